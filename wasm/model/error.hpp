// An error says whose fault it is and what to answer: the HTTP status and OpenAI error fields the
// client should see. Messages never carry a secret: only names of secrets, never values.
#pragma once

#include <string>

namespace llmroute {

enum class ErrorKind {
  Client,    // the request is wrong: answer 4xx, never retry, never charge
  Upstream,  // a provider or the gateway failed
  Config,    // the routing config or the environment is wrong
  Internal,  // a bug or an exhausted resource inside llmroute
};

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  int http_status = 500;
  std::string type;     // OpenAI error "type", e.g. "invalid_request_error"
  std::string code;     // OpenAI error "code", e.g. "model_not_found"; empty means null
  std::string message;  // for people; names the field or limit at fault
  std::string param;    // the request field at fault (OpenAI "param"); empty means null
};

inline Error client_error(std::string message, std::string param = {},
                          std::string code = "invalid_request", int http_status = 400) {
  return Error{ErrorKind::Client, http_status, "invalid_request_error", std::move(code),
               std::move(message), std::move(param)};
}

// A request this provider cannot serve as asked: the router skips the target and says why.
inline Error unsupported_parameter(std::string message, std::string param) {
  return client_error(std::move(message), std::move(param), "unsupported_parameter");
}

inline Error internal_error(std::string message) {
  return Error{ErrorKind::Internal, 500, "internal_error", "internal_error", std::move(message), {}};
}

}  // namespace llmroute

namespace llmroute {

// {"error":{"message":...,"type":...,"param":...,"code":...}}: OpenAI's error envelope.
std::string openai_error_body(const Error& error);

}  // namespace llmroute
