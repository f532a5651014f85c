// Shared by the parsers of the routing config and the price catalog: JSON paths for problems, and
// a checker that collects every problem instead of stopping at the first. Internal to wasm/core.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "util/json_access.hpp"

namespace llmroute {

// JSONPath step for an object key: .name when it is a plain identifier, else ["name"].
inline std::string key_path(const std::string& parent, std::string_view key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (plain) return parent + "." + std::string(key);
  std::string quoted;
  append_json_string(quoted, key);
  return parent + "[" + quoted + "]";
}

inline std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// Collects problems; every check names the path of the value it looked at.
class Checker {
 public:
  explicit Checker(std::vector<ConfigProblem>& problems) : problems_(problems) {}

  void problem(std::string path, std::string message) { problems_.push_back({std::move(path), std::move(message)}); }

  // Reports keys of `obj` that are not in `known`: a misspelt option must not be silently ignored.
  void only_known_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        problem(key_path(path, it.key()), "unknown field (expected one of: " + list + ")");
      }
    }
  }

  // Reads an integer in [min, max] into `out` when present; reports a wrong type or range.
  template <typename Int>
  void integer(const json& obj, std::string_view key, const std::string& path, std::int64_t min, std::int64_t max,
               Int& out) {
    const json* v = find(obj, key);
    if (v == nullptr) return;
    const auto n = v->is_number() ? as_int64(*v) : std::nullopt;
    if (!n) return problem(key_path(path, key), "must be an integer");
    if (*n < min || *n > max) {
      return problem(key_path(path, key),
                     "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(*n));
    }
    out = static_cast<Int>(*n);
  }

  void boolean(const json& obj, std::string_view key, const std::string& path, bool& out) {
    const json* v = find(obj, key);
    if (v == nullptr) return;
    if (!v->is_boolean()) return problem(key_path(path, key), "must be true or false");
    out = v->get<bool>();
  }

  const json* object(const json& obj, std::string_view key, const std::string& path) {
    const json* v = find(obj, key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      problem(key_path(path, key), "must be an object");
      return nullptr;
    }
    return v;
  }

 private:
  std::vector<ConfigProblem>& problems_;
};

}  // namespace llmroute
