// Fuzz target: an OpenAI chat completion answer body, as a provider (or a broken proxy) might send
// it. The whole input is the body: parse_answer reads it as a 2xx answer, parse_error as an error
// whose status comes from the first byte. An answer with usage is priced at extreme rates. One
// other provider of the registry reads the same bytes too (Anthropic, Gemini, OpenAI's dialects...),
// chosen by the input's length, and every one of them for one length in 32: a length mutation moves
// an input to another provider, a byte mutation keeps it, and an execution costs a few parses, not
// the 30 that every provider on every input took (about 4x the executions per second). First of
// all, parse_json's fast path is held to nlohmann's parser on the same bytes.
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/pricing.hpp"
#include "fuzz_support.hpp"
#include "model/error.hpp"
#include "providers/openai/openai.hpp"
#include "providers/registry.hpp"
#include "util/json_access.hpp"

namespace {

using namespace llmroute;

constexpr int kStatuses[] = {400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529};

int status_from(std::uint8_t byte) {
  constexpr std::size_t n = sizeof kStatuses / sizeof kStatuses[0];
  return byte < n ? kStatuses[byte] : 100 + byte * 7 % 900;
}

// Prices at ordinary, extreme and odd rates, read the way a deployment reads them: from a config.
const Config& priced_config() {
  static const Config config = [] {
    const json doc = fuzz::parse_or_discarded(R"({"prices": {
      "openai/ordinary": {"input": "0.15", "output": "0.60", "cached_input": "0.075"},
      "openai/extreme": {"input": "100000", "output": "100000", "cached_input": "100000", "cache_write": "100000"},
      "openai/odd": {"input": "0.000001", "output": "0", "cache_write": "100000"}}})");
    std::vector<ConfigProblem> problems;
    Config parsed = parse_config(doc, problems);
    FUZZ_CHECK(problems.empty(), "the fixed prices are invalid");
    return parsed;
  }();
  return config;
}

void check_cost(const Usage& usage) {
  for (const char* model : {"ordinary", "extreme", "odd"}) {
    const Cost cost = price_usage(priced_config().prices, "openai", model, usage);
    FUZZ_CHECK(cost.status == CostStatus::Measured, model);
    FUZZ_CHECK(cost.micro_usd >= 0, "a negative cost");
    // Each priced token (at most kMaxPricedTokens prompt and as many completion) at the largest rate.
    FUZZ_CHECK(cost.micro_usd <= 2 * (kMaxPricedTokens / 1'000'000) * kMaxRatePerMtok + 1, "a cost above the bound");
  }
}

// parse_json reads through a fast scan when it can and nlohmann's parser otherwise: whatever the
// path, the verdict and the tree must be nlohmann's parser's alone. to_json_text, which writes
// trees itself, must write what nlohmann's dump writes.
void check_parse_json(std::string_view text) {
  json tree;
  const JsonParseStatus status = parse_json(text, tree);
  if (status == JsonParseStatus::TooDeep) return;  // decided by the depth limit before any parser
  const json expected = fuzz::parse_or_discarded(text);
  const bool accepted = !expected.is_discarded() && text.find('\0') == std::string_view::npos;
  FUZZ_CHECK((status == JsonParseStatus::Ok) == accepted, "parse_json's verdict is not nlohmann's");
  // Any bytes as a string value: the same U+FFFD replacements as dump's.
  const json as_string = std::string(text);
  FUZZ_CHECK(to_json_text(as_string) == as_string.dump(-1, ' ', false, json::error_handler_t::replace),
             "to_json_text does not replace ill-formed UTF-8 as dump does");
  if (!accepted) return;
  const std::string dumped = expected.dump(-1, ' ', false, json::error_handler_t::replace);
  FUZZ_CHECK(tree.dump(-1, ' ', false, json::error_handler_t::replace) == dumped, "parse_json's tree is not nlohmann's");
  FUZZ_CHECK(to_json_text(tree) == dumped, "to_json_text does not write what dump writes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_parse_json(body);

  auto answer = providers::openai::parse_answer(body);
  if (answer) {
    FUZZ_CHECK(answer->body == body, "the answer body must reach the client as it came");
    const json doc = fuzz::parse_or_discarded(answer->body);
    FUZZ_CHECK(doc.is_object(), "an accepted answer that is not a JSON object");
    if (answer->has_usage) check_cost(answer->usage);
  } else {
    FUZZ_CHECK(answer.error().http_status == 502, answer.error().message.c_str());
    FUZZ_CHECK(fuzz::is_json(openai_error_body(answer.error())), answer.error().message.c_str());
  }

  // The chosen providers read the same bytes: whatever they make of them must be a chat.completion
  // for the client, or an error.
  const std::vector<const providers::Provider*>& every_provider = fuzz::every_provider();
  const std::size_t choice = size % 32;
  for (std::size_t i = 0; i < every_provider.size(); ++i) {
    if (choice != 31 && i != choice % every_provider.size()) continue;
    const providers::Provider* provider = every_provider[i];
    auto translated = provider->parse_answer(body, providers::AnswerContext{1'700'000'000'000, "fuzz-model"});
    if (translated) {
      FUZZ_CHECK(fuzz::parse_or_discarded(translated->body).is_object(), provider->name.data());
      if (translated->has_usage) check_cost(translated->usage);
    }
    const providers::UpstreamError e = provider->parse_error(status_from(size > 0 ? data[0] : 0), body);
    FUZZ_CHECK(!e.message.empty() && !e.type.empty(), provider->name.data());
  }

  const int status = status_from(size > 0 ? data[0] : 0);
  const providers::UpstreamError error = providers::openai::parse_error(status, body);
  FUZZ_CHECK(!error.message.empty() && !error.type.empty(), "an upstream error without message or type");
  FUZZ_CHECK(!error.retry_after_ms || *error.retry_after_ms >= 0, "a negative retry-after");
  // What answer_client_error sends on to the client must be a JSON document.
  const Error client{ErrorKind::Client, status, error.type, error.code, error.message, {}};
  FUZZ_CHECK(fuzz::is_json(openai_error_body(client)), error.message.c_str());
  return 0;
}
