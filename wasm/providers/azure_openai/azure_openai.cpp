#include "providers/azure_openai/azure_openai.hpp"

namespace llmroute::providers::azure_openai {

namespace {

// Azure resource and deployment names: letters, digits, '-', '_' and '.'; nothing to escape.
bool is_name(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// The same API as OpenAI's, so every field passes. Answers add prompt_filter_results and per-choice
// content_filter_results (kept); a filtered choice has finish_reason content_filter and no message;
// a stream opens with an event of empty choices holding only the prompt's filter results. This
// api-version predates the developer role.
constexpr openai::Dialect kDialect{
    .provider = "azure-openai",
    .path = "/chat/completions",
};

std::string target_problem(std::string_view target) {
  const auto slash = target.find('/');
  const std::string_view resource = target.substr(0, slash);
  const std::string_view deployment = slash == std::string_view::npos ? std::string_view() : target.substr(slash + 1);
  if (is_name(resource) && is_name(deployment)) return {};
  return "an azure-openai target must be azure-openai/{resource}/{deployment}, got azure-openai/" + std::string(target);
}

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view target, const RequestContext& context) {
  // Config targets were checked when the config was loaded; this guards any other caller.
  if (std::string problem = target_problem(target); !problem.empty()) {
    return Error{ErrorKind::Config, 500, "server_error", "invalid_target", std::move(problem), {}};
  }
  const auto slash = target.find('/');
  const std::string_view resource = target.substr(0, slash);
  const std::string_view deployment = target.substr(slash + 1);
  auto built = openai::build_request(request, deployment, context, kDialect);
  if (built) {
    built->path = "/" + std::string(resource) + "/" + std::string(deployment) + std::string(kDialect.path) +
                  "?api-version=" + std::string(kApiVersion);
  }
  return built;
}

}  // namespace llmroute::providers::azure_openai
