// Fuzz target: a client's chat request body. parse_chat_request with the default limits; a request
// it accepts is planned by a fixed router for a key that may use everything, and the upstream request
// is built for each candidate: OpenAI's (the client's document, patched) and every other provider's.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "providers/registry.hpp"
#include "support/core_harness.hpp"

namespace {

using namespace llmroute;

// Every provider of the registry appears as a target of the route "every", so that the request
// of each is built from whatever the client sent.
const core::Router& router() {
  static const auto instance = [] {
    std::string every;
    for (const providers::Provider* provider : fuzz::every_provider()) {
      every += (every.empty() ? "\"" : ", \"") + std::string(provider->name) + "/fuzz-resource/fuzz-model\"";
    }
    const std::string config = R"({
      "routes": {
        "chat": {"targets": ["openai/gpt-4o-mini", {"model": "openai/gpt-4o", "retry": {"attempts": 1}}]},
        "smart": {"targets": ["openai/gpt-4o"], "deadline_ms": 30000},
        "claude": {"targets": ["anthropic/claude-3-5-haiku-latest", "openai/gpt-4o-mini"]},
        "every": {"targets": [)" + every + R"(]}
      },
      "prices": {"openai/gpt-4o-mini": {"input": "0.15", "output": "0.60"}}
    })";
    std::vector<std::string> secrets;
    for (const std::string_view name : providers::secret_names()) secrets.emplace_back(name);
    return test_support::make_router(config, secrets);
  }();
  FUZZ_CHECK(instance != nullptr, "the fixed config is invalid");
  return *instance;
}

void check_error(const Error& error) {
  FUZZ_CHECK(error.http_status >= 400 && error.http_status < 500, error.message.c_str());
  FUZZ_CHECK(!error.message.empty(), "an error without a message");
  FUZZ_CHECK(fuzz::is_json(openai_error_body(error)), error.message.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const RequestLimits limits;
  auto request = parse_chat_request(text, limits);
  if (!request) {
    check_error(request.error());
    return 0;
  }
  FUZZ_CHECK(request->body.is_object(), "an accepted request that is not an object");
  FUZZ_CHECK(!request->model.empty() || !request->models.empty(), "an accepted request without a model");
  FUZZ_CHECK(request->message_count >= 1 && request->message_count <= limits.max_messages, "message count");
  FUZZ_CHECK(request->estimated_prompt_tokens >= 0, "a negative token estimate");
  FUZZ_CHECK(!request->max_output_tokens || *request->max_output_tokens >= 1, "max tokens below 1");

  const ClientKey key{"fuzz", {}, {"*"}, {"*"}, false};
  auto plan = router().plan(*request, key);
  if (!plan) {
    check_error(plan.error());
    return 0;
  }
  FUZZ_CHECK(!plan->candidates.empty(), "a plan without candidates");
  for (const core::Candidate& candidate : plan->candidates) {
    FUZZ_CHECK(candidate.provider != nullptr, candidate.target.label().c_str());
    auto built = candidate.provider->build_request(*request, candidate.target.model, providers::RequestContext{});
    if (!built) {  // the request cannot be put to this provider (a 4xx), or the target is wrong (5xx)
      FUZZ_CHECK(built.error().http_status >= 400 && built.error().http_status <= 599, built.error().message.c_str());
      FUZZ_CHECK(fuzz::is_json(openai_error_body(built.error())), built.error().message.c_str());
      continue;
    }
    const json upstream = fuzz::parse_or_discarded(built->body);
    FUZZ_CHECK(upstream.is_object(), built->body.c_str());
    FUZZ_CHECK(!built->path.empty() && built->path[0] == '/', built->path.c_str());
    if (candidate.target.provider != "openai") continue;
    // OpenAI's body is the client's document with the model set and our own fields removed.
    const std::string* model = find_string(upstream, "model");
    FUZZ_CHECK(model != nullptr && *model == candidate.target.model, built->body.c_str());
    FUZZ_CHECK(find(upstream, "models") == nullptr, built->body.c_str());
    for (auto it = request->body.begin(); it != request->body.end(); ++it) {
      if (it.key() == "model" || it.key() == "models" || it.key() == "stream_options") continue;
      const json* kept = find(upstream, it.key());
      FUZZ_CHECK(kept != nullptr && *kept == it.value(), it.key().c_str());
    }
    const std::string url = router().upstream_url(*candidate.provider, built->path);
    FUZZ_CHECK(url.rfind(test_support::kGatewayUrl, 0) == 0, url.c_str());
  }
  return 0;
}
