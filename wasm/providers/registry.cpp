#include "providers/registry.hpp"

#include "providers/anthropic/anthropic.hpp"
#include "providers/azure_openai/azure_openai.hpp"
#include "providers/bedrock/bedrock.hpp"
#include "providers/cohere/cohere.hpp"
#include "providers/deepseek/deepseek.hpp"
#include "providers/gemini/gemini.hpp"
#include "providers/grok/grok.hpp"
#include "providers/groq/groq.hpp"
#include "providers/mistral/mistral.hpp"
#include "providers/openai/openai.hpp"
#include "providers/openrouter/openrouter.hpp"
#include "providers/perplexity/perplexity.hpp"
#include "providers/workers_ai/workers_ai.hpp"

namespace llmroute::providers {

namespace {

using openai::build_request_for;
using openai::new_stream_for;
using openai::parse_answer_for;

// The read_error of a provider whose error bodies say everything (all but Bedrock).
template <UpstreamError (*parse_error)(int, std::string_view)>
UpstreamError from_body(int status, std::string_view body, std::string_view /*error_type*/) {
  return parse_error(status, body);
}

// One line per provider.
constexpr Provider kProviders[] = {
    {"openai", "OPENAI_API_KEY", "authorization", "Bearer ", build_request_for<openai::kDialect>,
     parse_answer_for<openai::kDialect>, from_body<openai::parse_error>, new_stream_for<openai::kDialect>},
    {"anthropic", "ANTHROPIC_API_KEY", "x-api-key", "", anthropic::build_request, anthropic::parse_answer,
     from_body<anthropic::parse_error>, anthropic::new_stream},
    {"google-ai-studio", "GOOGLE_AI_STUDIO_API_KEY", "x-goog-api-key", "", gemini::build_request, gemini::parse_answer,
     from_body<gemini::parse_error>, gemini::new_stream},
    {"groq", "GROQ_API_KEY", "authorization", "Bearer ", build_request_for<groq::kDialect>, parse_answer_for<groq::kDialect>,
     from_body<openai::parse_error>, new_stream_for<groq::kDialect>},
    {"mistral", "MISTRAL_API_KEY", "authorization", "Bearer ", build_request_for<mistral::kDialect>,
     parse_answer_for<mistral::kDialect>, from_body<openai::parse_error>, new_stream_for<mistral::kDialect>},
    {"deepseek", "DEEPSEEK_API_KEY", "authorization", "Bearer ", build_request_for<deepseek::kDialect>,
     parse_answer_for<deepseek::kDialect>, from_body<openai::parse_error>, new_stream_for<deepseek::kDialect>},
    {"grok", "XAI_API_KEY", "authorization", "Bearer ", build_request_for<grok::kDialect>, parse_answer_for<grok::kDialect>,
     from_body<openai::parse_error>, new_stream_for<grok::kDialect>},
    {"openrouter", "OPENROUTER_API_KEY", "authorization", "Bearer ", build_request_for<openrouter::kDialect>,
     parse_answer_for<openrouter::kDialect>, from_body<openai::parse_error>, new_stream_for<openrouter::kDialect>},
    {"perplexity-ai", "PERPLEXITY_API_KEY", "authorization", "Bearer ", build_request_for<perplexity::kDialect>,
     parse_answer_for<perplexity::kDialect>, from_body<openai::parse_error>, new_stream_for<perplexity::kDialect>},
    {"azure-openai", "AZURE_OPENAI_API_KEY", "api-key", "", azure_openai::build_request, parse_answer_for<azure_openai::kDialect>,
     from_body<openai::parse_error>, new_stream_for<azure_openai::kDialect>, azure_openai::target_problem},
    {"workers-ai", "WORKERS_AI_API_TOKEN", "authorization", "Bearer ", build_request_for<workers_ai::kDialect>,
     parse_answer_for<workers_ai::kDialect>, from_body<openai::parse_error>, new_stream_for<workers_ai::kDialect>},
    {"cohere", "COHERE_API_KEY", "authorization", "Bearer ", cohere::build_request, cohere::parse_answer, from_body<cohere::parse_error>,
     cohere::new_stream},
    // No key header: requests are signed in the core (SigV4) with the environment's AWS credentials.
    {"aws-bedrock", kAwsSecretAccessKeySecret, "", "", bedrock::build_request, bedrock::parse_answer, bedrock::parse_error,
     bedrock::new_stream},
};

}  // namespace

const Provider* find(std::string_view name) {
  for (const Provider& p : kProviders) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string supported_list() {
  std::string out;
  for (const Provider& p : kProviders) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

}  // namespace llmroute::providers

namespace llmroute::providers {

std::vector<std::string_view> secret_names() {
  std::vector<std::string_view> out;
  for (const Provider& p : kProviders) out.push_back(p.key_secret);
  out.push_back(kAwsSessionTokenSecret);
  out.push_back(kGatewayTokenSecret);
  return out;
}

}  // namespace llmroute::providers
