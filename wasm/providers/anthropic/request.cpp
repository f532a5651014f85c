#include <array>

#include "providers/anthropic/anthropic.hpp"
#include "providers/content.hpp"

LLMROUTE_SIZE_OVER_SPEED_BEGIN

namespace llmroute::providers::anthropic {

namespace {

// Client fields mapped below, or meaningless here (stream_options: we stream natively).
constexpr std::array<std::string_view, 16> kHandled = {
    "model", "models", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream",
    "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user", "n", "response_format"};

json text_block(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

// A data: URL goes as base64, any other URL by URL.
Result<json> image_block(const std::string& url, const std::string& /*at*/) {
  json source = {{"type", "url"}, {"url", url}};
  if (auto data = parse_base64_data_url(url)) source = {{"type", "base64"}, {"media_type", data->media_type}, {"data", data->data}};
  return json{{"type", "image"}, {"source", std::move(source)}};
}

// OpenAI content (a string or parts) -> Anthropic content blocks.
Result<json> anthropic_blocks(const json& content, const std::string& param) {
  return content_blocks(content, param, "anthropic", text_block, image_block);
}

json translate_tool_choice(const ToolChoice& choice) {
  switch (choice.mode) {
    case ToolChoice::Mode::Auto: return {{"type", "auto"}};
    case ToolChoice::Mode::None: return {{"type", "none"}};
    case ToolChoice::Mode::Required: return {{"type", "any"}};
    case ToolChoice::Mode::Function: return {{"type", "tool"}, {"name", choice.function_name}};
  }
  return {};
}

}  // namespace

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& /*context*/) {
  const json& in = request.body;
  json body = json::object();
  body["model"] = std::string(model);
  body["max_tokens"] = request.max_output_tokens.value_or(kDefaultMaxTokens);

  if (auto refused = refuse_unmappable(in, "anthropic")) return *refused;
  if (const json* format = find_object(in, "response_format")) {
    const std::string* type = find_string(*format, "type");
    if (type == nullptr || *type != "text") {
      return unsupported_parameter("anthropic has no JSON mode: response_format '" + (type ? *type : std::string("?")) +
                             "' needs a target that supports it", "response_format");
    }
  }
  if (const json* t = find(in, "temperature"); t != nullptr && t->is_number()) {
    // OpenAI's scale goes to 2, Anthropic's to 1: refuse rather than silently change the meaning.
    if (t->get<double>() > 1.0) return unsupported_parameter("anthropic accepts temperature up to 1", "temperature");
    body["temperature"] = *t;
  }
  if (const json* p = find(in, "top_p"); p != nullptr && p->is_number()) body["top_p"] = *p;
  if (const json* stop = find(in, "stop"); stop != nullptr && !stop->is_null()) {
    body["stop_sequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  }
  if (const std::string* user = find_string(in, "user")) body["metadata"] = {{"user_id", *user}};
  if (request.stream) body["stream"] = true;

  // Messages: system and developer turns become the top-level system prompt.
  std::string system;
  json messages = json::array();
  const json* list = find_array(in, "messages");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const json& message = (*list)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    const std::string& role = *find_string(message, "role");  // checked when the request was parsed
    const json* content = find(message, "content");
    static const json kNull;
    const json& c = content ? *content : kNull;
    if (role == "system" || role == "developer") {
      auto text = text_only(c, param + ".content", "anthropic");
      if (!text) return text.take_error();
      system += (system.empty() ? "" : "\n\n") + *text;
    } else if (role == "user") {
      auto blocks = anthropic_blocks(c, param + ".content");
      if (!blocks) return blocks.take_error();
      push_turn(messages, "user", std::move(*blocks));
    } else if (role == "assistant") {
      auto blocks = anthropic_blocks(c, param + ".content");
      if (!blocks) return blocks.take_error();
      if (const json* calls = find_array(message, "tool_calls")) {
        for (const json& call : *calls) {
          const json* function = find_object(call, "function");
          const std::string* id = find_string(call, "id");
          const std::string* name = function ? find_string(*function, "name") : nullptr;
          const std::string* arguments = function ? find_string(*function, "arguments") : nullptr;
          if (id == nullptr || name == nullptr) {
            return client_error("'" + param + ".tool_calls' entries need an id and function.name", param + ".tool_calls", "invalid_type");
          }
          json input = json::object();
          if (arguments != nullptr && !arguments->empty()) {
            if (parse_json(*arguments, input) != JsonParseStatus::Ok || !input.is_object()) {
              return client_error("'" + param + ".tool_calls' arguments must be a JSON object text", param + ".tool_calls", "invalid_value");
            }
          }
          blocks.value().push_back({{"type", "tool_use"}, {"id", *id}, {"name", *name}, {"input", std::move(input)}});
        }
      }
      push_turn(messages, "assistant", std::move(*blocks));
    } else if (role == "tool") {
      const std::string* id = find_string(message, "tool_call_id");
      if (id == nullptr) return client_error("'" + param + ".tool_call_id' is required", param + ".tool_call_id", "missing_required_parameter");
      auto text = text_only(c, param + ".content", "anthropic");
      if (!text) return text.take_error();
      json result = {{"type", "tool_result"}, {"tool_use_id", *id}, {"content", std::move(*text)}};
      push_turn(messages, "user", json::array({std::move(result)}));
    } else {
      return unsupported_parameter("messages with role '" + role + "' cannot be sent to anthropic", param + ".role");
    }
  }
  if (messages.empty()) return client_error("anthropic needs at least one user or assistant message", "messages", "invalid_value");
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);

  if (const json* tools = find_array(in, "tools"); tools != nullptr && !tools->empty()) {
    json out = json::array();
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const json* function = find_object((*tools)[i], "function");
      const std::string* name = function ? find_string(*function, "name") : nullptr;
      if (name == nullptr) {
        return client_error("'tools[" + std::to_string(i) + "].function.name' is required", "tools", "missing_required_parameter");
      }
      json tool = {{"name", *name}};
      if (const std::string* description = find_string(*function, "description")) tool["description"] = *description;
      const json* parameters = find_object(*function, "parameters");
      tool["input_schema"] = parameters ? *parameters : json{{"type", "object"}, {"properties", json::object()}};
      out.push_back(std::move(tool));
    }
    body["tools"] = std::move(out);
  }
  if (const json* choice = find(in, "tool_choice"); choice != nullptr && !choice->is_null()) {
    auto read = read_tool_choice(*choice, "anthropic");
    if (!read) return read.take_error();
    body["tool_choice"] = translate_tool_choice(*read);
  }
  if (forbids_parallel_tool_calls(in)) {
    // Anthropic's switch lives in tool_choice: without one from the client, "auto" is what it means.
    if (!body.contains("tool_choice")) body["tool_choice"] = {{"type", "auto"}};
    body["tool_choice"]["disable_parallel_tool_use"] = true;
  }

  ProviderRequest out;
  out.path = "/v1/messages";
  out.headers.emplace_back("content-type", "application/json");
  out.headers.emplace_back("anthropic-version", std::string(kApiVersion));
  out.dropped = unhandled_fields(in, kHandled);
  list_dropped_tool_strict(in, out.dropped);
  out.body = to_json_text(body);
  return out;
}

}  // namespace llmroute::providers::anthropic

LLMROUTE_SIZE_OVER_SPEED_END
