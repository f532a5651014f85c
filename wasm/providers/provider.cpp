#include "providers/provider.hpp"

namespace llmroute::providers {

Answer translated_answer(const openai_format::Completion& completion) {
  Answer out;
  out.body = openai_format::completion_json(completion);
  out.usage = completion.usage;
  out.has_usage = completion.has_usage;
  out.model = completion.model;
  return out;
}

void SseStreamTranslator::feed(std::string_view bytes, std::string& out) {
  events_.clear();
  if (!decoder_.feed(bytes, events_)) error_ = stream_event_too_large();
  for (const SseEvent& event : events_) {
    if (!wants_more()) return;
    take(event, out);
  }
}

std::optional<Error> refuse_unmappable(const json& body, std::string_view provider) {
  const std::string name(provider);
  if (auto n = find_int64(body, "n"); n && *n != 1) return unsupported_parameter(name + " returns one choice; 'n' must be 1", "n");
  if (const json* bias = find(body, "logit_bias"); bias != nullptr && !bias->is_null() && !(bias->is_object() && bias->empty())) {
    return unsupported_parameter(name + " has no logit_bias, and dropping it would change the answer", "logit_bias");
  }
  return std::nullopt;
}

bool forbids_parallel_tool_calls(const json& body) {
  const json* tools = find_array(body, "tools");
  if (tools == nullptr || tools->empty() || find_bool(body, "parallel_tool_calls").value_or(true)) return false;
  const std::string* choice = find_string(body, "tool_choice");
  return choice == nullptr || *choice != "none";
}

std::optional<Error> refuse_parallel_tool_calls_off(const json& body, std::string_view provider) {
  if (!forbids_parallel_tool_calls(body)) return std::nullopt;
  return unsupported_parameter(std::string(provider) + " may call several tools at once and has no way to turn that off",
                               "parallel_tool_calls");
}

void list_dropped_tool_strict(const json& body, std::vector<std::string>& dropped) {
  const json* tools = find_array(body, "tools");
  if (tools == nullptr) return;
  for (const json& tool : *tools) {
    const json* function = find_object(tool, "function");
    if (function != nullptr && find(*function, "strict") != nullptr) {
      dropped.emplace_back("tools.function.strict");
      return;
    }
  }
}

}  // namespace llmroute::providers
