// Shared by the fuzz targets: invariant checks that abort (so libFuzzer and the ctest replay both
// see a crash), and FuzzedDataProvider from libFuzzer when the compiler ships it, else our own.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "providers/registry.hpp"

#if __has_include(<fuzzer/FuzzedDataProvider.h>)
#include <fuzzer/FuzzedDataProvider.h>
#else
#include "fuzzed_data_provider.hpp"
#endif

#define FUZZ_CHECK(cond, what)                                                               \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   static_cast<const char*>(what));                                          \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace llmroute::fuzz {

// Parses without exceptions (the targets are built like the core: -fno-exceptions, JSON_NOEXCEPTION).
inline nlohmann::json parse_or_discarded(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

inline bool is_json(std::string_view text) { return !parse_or_discarded(text).is_discarded(); }

// An HTTP field value the Worker can pass to Headers without a TypeError: no NUL, CR or LF.
inline bool is_header_value(std::string_view text) {
  return text.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

// Every provider of the registry, in its order ("openai, anthropic, ..." of supported_list).
inline const std::vector<const providers::Provider*>& every_provider() {
  static const std::vector<const providers::Provider*> out = [] {
    std::vector<const providers::Provider*> found;
    const std::string names = providers::supported_list();
    for (std::size_t start = 0; start < names.size();) {
      const std::size_t end = std::min(names.find(", ", start), names.size());
      found.push_back(providers::find(std::string_view(names).substr(start, end - start)));
      FUZZ_CHECK(found.back() != nullptr, names.c_str());
      start = end + 2;
    }
    return found;
  }();
  return out;
}

}  // namespace llmroute::fuzz
