#include "providers/openai/openai.hpp"

namespace llmroute::providers::openai {

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& /*context*/) {
  // Patch the client's own document: every field we do not model reaches OpenAI untouched.
  json body = request.body;
  body["model"] = std::string(model);
  body.erase("models");  // llmroute's fallback list, not an OpenAI parameter
  if (request.stream) {
    // Always ask for the usage chunk: without it a stream cannot be priced. The translator strips
    // it again when the client did not ask for it.
    body["stream_options"]["include_usage"] = true;
  }
  ProviderRequest out;
  out.path = "/chat/completions";
  out.headers.emplace_back("content-type", "application/json");
  out.body = to_json_text(body);
  return out;
}

}  // namespace llmroute::providers::openai
