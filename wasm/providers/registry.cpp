#include "providers/registry.hpp"

#include "providers/anthropic/anthropic.hpp"
#include "providers/gemini/gemini.hpp"
#include "providers/openai/openai.hpp"

namespace llmroute::providers {

namespace {

// One line per provider.
constexpr Provider kProviders[] = {
    {"openai", "OPENAI_API_KEY", "authorization", "Bearer ", openai::build_request, openai::parse_answer, openai::parse_error,
     openai::new_stream},
    {"anthropic", "ANTHROPIC_API_KEY", "x-api-key", "", anthropic::build_request, anthropic::parse_answer,
     anthropic::parse_error, anthropic::new_stream},
    {"google-ai-studio", "GOOGLE_AI_STUDIO_API_KEY", "x-goog-api-key", "", gemini::build_request, gemini::parse_answer,
     gemini::parse_error, gemini::new_stream},
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
  out.push_back(kGatewayTokenSecret);
  return out;
}

}  // namespace llmroute::providers
