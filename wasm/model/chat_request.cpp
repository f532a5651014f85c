#include "model/chat_request.hpp"

#include <algorithm>
#include <array>

namespace llmroute {

namespace {

constexpr std::array<std::string_view, 6> kRoles = {"system", "developer", "user", "assistant", "tool", "function"};

// Characters per token for the pre-call estimate: English averages about four; we round toward
// more tokens so that worst-case reservations are not too small.
constexpr std::int64_t kCharsPerToken = 3;
constexpr std::int64_t kTokensPerMessage = 4;

bool known_role(std::string_view role) {
  for (const auto r : kRoles) if (r == role) return true;
  return false;
}

std::string type_name(const json& v) { return v.type_name(); }

Error wrong_type(std::string_view param, std::string_view expected, const json& got) {
  return client_error("'" + std::string(param) + "' must be " + std::string(expected) + ", got " + type_name(got),
                      std::string(param), "invalid_type");
}

// Checks one content part of a multi-part message; counts text size and notices images.
std::optional<Error> check_content_part(const json& part, const std::string& param, ChatRequest& out,
                                        std::int64_t& chars) {
  if (!part.is_object()) return wrong_type(param, "an object", part);
  const std::string* type = find_string(part, "type");
  if (type == nullptr) return client_error("'" + param + ".type' must be a string", param + ".type", "invalid_type");
  if (*type == "text") {
    const std::string* text = find_string(part, "text");
    if (text == nullptr) return client_error("'" + param + ".text' must be a string", param + ".text", "invalid_type");
    chars += static_cast<std::int64_t>(text->size());
  } else if (*type == "image_url") {
    out.has_images = true;
  }
  return std::nullopt;
}

std::optional<Error> check_message(const json& message, std::size_t index, ChatRequest& out, std::int64_t& chars) {
  const std::string param = "messages[" + std::to_string(index) + "]";
  if (!message.is_object()) return wrong_type(param, "an object", message);
  const json* role = find(message, "role");
  if (role == nullptr) return client_error("'" + param + ".role' is required", param + ".role", "missing_required_parameter");
  if (!role->is_string()) return wrong_type(param + ".role", "a string", *role);
  if (!known_role(role->get_ref<const std::string&>())) {
    return client_error("'" + param + ".role' must be one of system, developer, user, assistant, tool", param + ".role",
                        "invalid_value");
  }
  const json* content = find(message, "content");
  if (content == nullptr || content->is_null()) {
    // Only an assistant turn that called tools may omit its content.
    if (role->get_ref<const std::string&>() != "assistant") {
      return client_error("'" + param + ".content' is required", param + ".content", "missing_required_parameter");
    }
  } else if (content->is_string()) {
    chars += static_cast<std::int64_t>(content->get_ref<const std::string&>().size());
  } else if (content->is_array()) {
    std::size_t part_index = 0;
    for (const json& part : *content) {
      if (auto e = check_content_part(part, param + ".content[" + std::to_string(part_index++) + "]", out, chars)) return e;
    }
  } else {
    return wrong_type(param + ".content", "a string or an array of content parts", *content);
  }
  if (const json* calls = find(message, "tool_calls")) {
    if (!calls->is_array()) return wrong_type(param + ".tool_calls", "an array", *calls);
    for (const json& call : *calls) chars += static_cast<std::int64_t>(to_json_text(call).size());
  }
  return std::nullopt;
}

// Optional scalar fields we read or that providers reject loudly when mistyped.
std::optional<Error> check_optional_types(const json& body) {
  struct Field { std::string_view name; bool (*ok)(const json&); std::string_view expected; };
  static constexpr Field kFields[] = {
      {"temperature", [](const json& v) { return v.is_number(); }, "a number"},
      {"top_p", [](const json& v) { return v.is_number(); }, "a number"},
      {"n", [](const json& v) { return v.is_number_integer(); }, "an integer"},
      {"stream", [](const json& v) { return v.is_boolean(); }, "a boolean"},
      {"max_tokens", [](const json& v) { return v.is_number_integer(); }, "an integer"},
      {"max_completion_tokens", [](const json& v) { return v.is_number_integer(); }, "an integer"},
      {"seed", [](const json& v) { return v.is_number_integer(); }, "an integer"},
      {"user", [](const json& v) { return v.is_string(); }, "a string"},
      {"stop", [](const json& v) { return v.is_string() || v.is_array(); }, "a string or an array of strings"},
      {"tools", [](const json& v) { return v.is_array(); }, "an array"},
      {"response_format", [](const json& v) { return v.is_object(); }, "an object"},
      {"stream_options", [](const json& v) { return v.is_object(); }, "an object"},
      {"metadata", [](const json& v) { return v.is_object(); }, "an object"},
  };
  for (const Field& field : kFields) {
    const json* v = find(body, field.name);
    if (v != nullptr && !v->is_null() && !field.ok(*v)) return wrong_type(field.name, field.expected, *v);
  }
  return std::nullopt;
}

}  // namespace

Result<ChatRequest> parse_chat_request(std::string_view text, const RequestLimits& limits) {
  ChatRequest out;
  if (text.empty()) return client_error("the request body is empty; send a JSON chat completion request", {}, "empty_body");
  switch (parse_json(text, out.body, limits.max_json_depth)) {
    case JsonParseStatus::Ok: break;
    case JsonParseStatus::TooDeep:
      return client_error("the request JSON nests deeper than the limit of " + std::to_string(limits.max_json_depth) +
                              " levels", {}, "json_too_deep");
    case JsonParseStatus::Malformed:
      return client_error("the request body is not valid JSON (or not valid UTF-8)", {}, "invalid_json");
  }
  const json& body = out.body;
  if (!body.is_object()) return client_error("the request body must be a JSON object", {}, "invalid_type");

  if (auto e = check_optional_types(body)) return *e;

  if (const json* model = find(body, "model"); model != nullptr && !model->is_null()) {
    if (!model->is_string()) return wrong_type("model", "a string", *model);
    out.model = model->get<std::string>();
  }
  if (const json* models = find(body, "models"); models != nullptr && !models->is_null()) {
    if (!models->is_array()) return wrong_type("models", "an array of model names", *models);
    for (const json& m : *models) {
      if (!m.is_string() || m.get_ref<const std::string&>().empty()) {
        return client_error("'models' must hold non-empty strings", "models", "invalid_type");
      }
      out.models.push_back(m.get<std::string>());
    }
  }
  if (out.model.empty() && out.models.empty()) {
    return client_error("'model' is required: a route name or provider/model", "model", "missing_required_parameter");
  }

  const json* messages = find(body, "messages");
  if (messages == nullptr) return client_error("'messages' is required", "messages", "missing_required_parameter");
  if (!messages->is_array()) return wrong_type("messages", "an array", *messages);
  if (messages->empty()) return client_error("'messages' must hold at least one message", "messages", "invalid_value");
  if (messages->size() > limits.max_messages) {
    return client_error("'messages' holds " + std::to_string(messages->size()) + " messages; the limit is " +
                            std::to_string(limits.max_messages), "messages", "too_many_messages");
  }
  std::int64_t chars = 0;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    if (auto e = check_message((*messages)[i], i, out, chars)) return *e;
  }
  out.message_count = messages->size();

  if (const json* tools = find_array(body, "tools")) {
    if (tools->size() > limits.max_tools) {
      return client_error("'tools' holds " + std::to_string(tools->size()) + " tools; the limit is " +
                              std::to_string(limits.max_tools), "tools", "too_many_tools");
    }
    out.has_tools = !tools->empty();
    for (const json& tool : *tools) chars += static_cast<std::int64_t>(to_json_text(tool).size());
  }

  if (const json* format = find_object(body, "response_format")) {
    const std::string* type = find_string(*format, "type");
    out.has_json_schema = type != nullptr && *type == "json_schema";
  }
  out.stream = find_bool(body, "stream").value_or(false);
  if (const json* options = find_object(body, "stream_options")) out.include_usage = find_bool(*options, "include_usage").value_or(false);
  for (const char* name : {"max_completion_tokens", "max_tokens"}) {
    if (auto n = find_int64(body, name)) {
      if (*n < 1) return client_error("'" + std::string(name) + "' must be at least 1", name, "invalid_value");
      out.max_output_tokens = n;
      break;
    }
  }
  out.estimated_prompt_tokens = estimate_tokens(chars) + kTokensPerMessage * static_cast<std::int64_t>(out.message_count);
  return out;
}

bool is_protected_request_field(std::string_view name) {
  for (const std::string_view field : {"model", "models", "messages", "stream", "stream_options", "tools", "tool_choice", "functions",
                                       "function_call", "n"}) {
    if (name == field) return true;
  }
  return false;
}

ChatRequest with_overrides(const ChatRequest& request, const json& overrides) {
  ChatRequest out = request;
  if (!overrides.is_object()) return out;
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    const std::string& name = it.key();
    if (is_protected_request_field(name)) continue;  // refused when the config was read
    if (name == "max_tokens" || name == "max_completion_tokens") {
      const auto cap = as_int64(it.value());
      if (!cap || *cap < 1) continue;
      const std::int64_t capped = std::min(out.max_output_tokens.value_or(*cap), *cap);
      out.max_output_tokens = capped;
      // The field the client used carries the cap (both, if it sent both); none: the current name.
      const bool has_old = out.body.contains("max_tokens"), has_new = out.body.contains("max_completion_tokens");
      if (has_old) out.body["max_tokens"] = capped;
      if (has_new || !has_old) out.body["max_completion_tokens"] = capped;
      continue;
    }
    out.body[name] = it.value();
  }
  return out;
}

std::int64_t estimate_tokens(std::int64_t text_bytes) { return (text_bytes + kCharsPerToken - 1) / kCharsPerToken; }

std::string content_text(const json& content) {
  if (const auto* text = content.get_ptr<const json::string_t*>()) return *text;
  std::string out;
  if (content.is_array()) {
    for (const json& part : content) {
      if (const std::string* text = find_string(part, "text")) out += (out.empty() ? "" : "\n") + *text;
    }
  }
  return out;
}

std::optional<DataUrl> parse_base64_data_url(std::string_view url) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kMarker = ";base64,";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  const auto marker = url.find(kMarker);
  if (marker == std::string_view::npos) return std::nullopt;
  return DataUrl{std::string(url.substr(kScheme.size(), marker - kScheme.size())), std::string(url.substr(marker + kMarker.size()))};
}

}  // namespace llmroute
