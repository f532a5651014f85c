#include "model/error.hpp"

#include "util/json_access.hpp"

namespace llmroute {

std::string openai_error_body(const Error& error) {
  std::string out = "{\"error\":{\"message\":";
  append_json_string(out, error.message);
  out += ",\"type\":";
  append_json_string(out, error.type.empty() ? "internal_error" : error.type);
  out += ",\"param\":";
  if (error.param.empty()) out += "null";
  else append_json_string(out, error.param);
  out += ",\"code\":";
  if (error.code.empty()) out += "null";
  else append_json_string(out, error.code);
  out += "}}";
  return out;
}

}  // namespace llmroute
