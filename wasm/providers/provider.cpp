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

Result<ToolChoice> read_tool_choice(const json& choice, std::string_view provider) {
  if (const std::string* mode = choice.get_ptr<const json::string_t*>()) {
    if (*mode == "auto") return ToolChoice{ToolChoice::Mode::Auto, {}};
    if (*mode == "none") return ToolChoice{ToolChoice::Mode::None, {}};
    if (*mode == "required") return ToolChoice{ToolChoice::Mode::Required, {}};
    return unsupported_parameter(std::string(provider) + " cannot honour tool_choice '" + *mode + "' (auto, none, required or a function)",
                                 "tool_choice");
  }
  const std::string* type = choice.is_object() ? find_string(choice, "type") : nullptr;
  if (const json* function = find_object(choice, "function"); function != nullptr && (type == nullptr || *type == "function")) {
    const std::string* name = find_string(*function, "name");
    if (name == nullptr) return client_error("'tool_choice.function.name' must be a string", "tool_choice.function.name", "invalid_type");
    return ToolChoice{ToolChoice::Mode::Function, *name};
  }
  if (type != nullptr && *type != "function") {
    return unsupported_parameter(std::string(provider) + " cannot honour tool_choice of type '" + *type + "'", "tool_choice");
  }
  return client_error("'tool_choice' must be a string or {type: function, function: {name}}", "tool_choice", "invalid_type");
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
