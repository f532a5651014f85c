#include <array>
#include <optional>
#include <tuple>

#include "providers/cohere/cohere.hpp"
#include "providers/content.hpp"

LLMROUTE_SIZE_OVER_SPEED_BEGIN

namespace llmroute::providers::cohere {

namespace {

// Client fields mapped below, or meaningless here (stream_options: Cohere's stream always ends
// with its usage).
constexpr std::array<std::string_view, 18> kHandled = {
    "model", "models", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "frequency_penalty",
    "presence_penalty", "stop", "seed", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls", "n",
    "response_format"};

// Cohere's p must lie in [0.01, 0.99]; penalties in [0, 1] (OpenAI's go from -2 to 2).
constexpr double kMinTopP = 0.01;
constexpr double kMaxTopP = 0.99;

// Copies the number `from` of the client's body to `to` in Cohere's, refusing values outside
// [min, max] rather than letting Cohere clamp or reject them.
std::optional<Error> copy_number(const json& in, std::string_view from, json& body, const char* to, double min, double max) {
  const json* v = find(in, from);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  const double value = v->get<double>();  // checked: a number
  if (value < min || value > max) {
    return unsupported_parameter("cohere accepts " + std::string(from) + " between " + to_json_text(min) + " and " +
                                     to_json_text(max), std::string(from));
  }
  body[to] = *v;
  return std::nullopt;
}

// OpenAI content -> Cohere content: the same string, or the same text and image_url parts (images
// only where `images_allowed`), rebuilt so that no field Cohere does not know goes along.
Result<json> content_of(const json& content, const std::string& param, bool images_allowed) {
  if (!content.is_array()) return content.is_string() ? content : json("");
  json parts = json::array();
  std::size_t index = 0;
  for (const json& part : content) {
    const std::string at = param + "[" + std::to_string(index++) + "]";
    const std::string* type = find_string(part, "type");
    if (type != nullptr && *type == "text") {
      parts.push_back({{"type", "text"}, {"text", *find_string(part, "text")}});  // checked when the request was parsed
    } else if (type != nullptr && *type == "image_url" && images_allowed) {
      const json* image = find_object(part, "image_url");
      const std::string* url = image ? find_string(*image, "url") : nullptr;
      if (url == nullptr) return client_error("'" + at + ".image_url.url' must be a string", at + ".image_url.url", "invalid_type");
      json image_url = {{"url", *url}};
      if (const std::string* detail = find_string(*image, "detail")) image_url["detail"] = *detail;
      parts.push_back({{"type", "image_url"}, {"image_url", std::move(image_url)}});
    } else {
      return unsupported_parameter("content parts of type '" + (type ? *type : std::string("?")) + "' cannot be sent to cohere here", at);
    }
  }
  return parts;
}

// An assistant turn: its text, or, when it called tools, the calls with the text as their plan
// (the form in which Cohere gave them; see response.cpp).
Result<json> assistant_turn(const json& message, const json& content, const std::string& param) {
  json turn = {{"role", "assistant"}};
  const json* calls = find_array(message, "tool_calls");
  if (calls == nullptr || calls->empty()) {
    auto translated = content_of(content, param + ".content", false);
    if (!translated) return translated.take_error();
    turn["content"] = std::move(*translated);
    return turn;
  }
  json tool_calls = json::array();
  for (const json& call : *calls) {
    const json* function = find_object(call, "function");
    const std::string* id = find_string(call, "id");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    const std::string* arguments = function ? find_string(*function, "arguments") : nullptr;
    if (id == nullptr || name == nullptr) {
      return client_error("'" + param + ".tool_calls' entries need an id and function.name", param + ".tool_calls", "invalid_type");
    }
    tool_calls.push_back({{"id", *id},
                          {"type", "function"},
                          {"function", {{"name", *name}, {"arguments", arguments && !arguments->empty() ? *arguments : "{}"}}}});
  }
  const std::string plan = content_text(content);
  if (!plan.empty()) turn["tool_plan"] = plan;
  turn["tool_calls"] = std::move(tool_calls);
  return turn;
}

// OpenAI tools -> Cohere's (the same function format); `strict` says whether every tool asked for
// strict schema adherence, which Cohere sets for all tools at once.
Result<json> translate_tools(const json& tools, bool& strict_all) {
  json out = json::array();
  std::size_t strict = 0;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const json* function = find_object(tools[i], "function");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    if (name == nullptr) return client_error("'" + at + ".function.name' is required", at, "missing_required_parameter");
    json spec = {{"name", *name}};
    if (const std::string* description = find_string(*function, "description")) spec["description"] = *description;
    if (const json* parameters = find_object(*function, "parameters")) spec["parameters"] = *parameters;
    if (find_bool(*function, "strict").value_or(false)) ++strict;
    out.push_back({{"type", "function"}, {"function", std::move(spec)}});
  }
  if (strict != 0 && strict != tools.size()) {
    return unsupported_parameter("cohere's strict mode applies to every tool: mark all tools strict, or none", "tools");
  }
  strict_all = strict != 0;
  return out;
}

// OpenAI tool_choice -> Cohere's (absent = auto). Cohere cannot force one named tool unless it is
// the only one offered, where REQUIRED means the same.
Result<std::optional<std::string>> translate_tool_choice(const json& choice, const json* tools) {
  auto read = read_tool_choice(choice, "cohere");
  if (!read) return read.take_error();
  switch (read->mode) {
    case ToolChoice::Mode::Auto: return std::optional<std::string>();
    case ToolChoice::Mode::None: return std::optional<std::string>("NONE");
    case ToolChoice::Mode::Required: return std::optional<std::string>("REQUIRED");
    case ToolChoice::Mode::Function: break;
  }
  const json* only = tools != nullptr && tools->size() == 1 ? find_object((*tools)[0], "function") : nullptr;
  const std::string* only_name = only ? find_string(*only, "name") : nullptr;
  if (only_name == nullptr || *only_name != read->function_name) {
    return unsupported_parameter("cohere cannot be made to call one named tool among several", "tool_choice");
  }
  return std::optional<std::string>("REQUIRED");
}

Result<json> translate_response_format(const json& format) {
  const std::string* type = find_string(format, "type");
  if (type != nullptr && *type == "text") return json();
  if (type != nullptr && *type == "json_object") return json{{"type", "json_object"}};
  if (type != nullptr && *type == "json_schema") {
    const json* spec = find_object(format, "json_schema");
    const json* schema = spec ? find_object(*spec, "schema") : nullptr;
    if (schema == nullptr) return client_error("'response_format.json_schema.schema' must be an object", "response_format", "invalid_type");
    return json{{"type", "json_object"}, {"json_schema", *schema}};
  }
  return unsupported_parameter("response_format '" + (type ? *type : std::string("?")) + "' cannot be sent to cohere", "response_format");
}

}  // namespace

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& /*context*/) {
  const json& in = request.body;
  json body = json::object();
  body["model"] = std::string(model);

  if (auto refused = refuse_unmappable(in, "cohere")) return *refused;
  for (const auto& [from, to, min, max] : {std::tuple{"temperature", "temperature", 0.0, 1.0},
                                           std::tuple{"top_p", "p", kMinTopP, kMaxTopP},
                                           std::tuple{"frequency_penalty", "frequency_penalty", 0.0, 1.0},
                                           std::tuple{"presence_penalty", "presence_penalty", 0.0, 1.0}}) {
    if (auto e = copy_number(in, from, body, to, min, max)) return *e;
  }
  if (request.max_output_tokens) body["max_tokens"] = *request.max_output_tokens;
  if (const json* stop = find(in, "stop"); stop != nullptr && !stop->is_null()) {
    body["stop_sequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  }
  if (auto seed = find_int64(in, "seed")) body["seed"] = *seed;
  if (const json* format = find_object(in, "response_format")) {
    auto translated = translate_response_format(*format);
    if (!translated) return translated.take_error();
    if (!translated->is_null()) body["response_format"] = std::move(*translated);
  }

  json messages = json::array();
  const json* list = find_array(in, "messages");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const json& message = (*list)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    const std::string& role = *find_string(message, "role");  // checked when the request was parsed
    static const json kNull;
    const json* content = find(message, "content");
    const json& c = content ? *content : kNull;
    Result<json> turn = json();
    if (role == "system" || role == "developer" || role == "user") {
      auto translated = content_of(c, param + ".content", role == "user");
      if (!translated) return translated.take_error();
      turn = json{{"role", role == "user" ? "user" : "system"}, {"content", std::move(*translated)}};
    } else if (role == "assistant") {
      turn = assistant_turn(message, c, param);
    } else if (role == "tool") {
      const std::string* id = find_string(message, "tool_call_id");
      if (id == nullptr) return client_error("'" + param + ".tool_call_id' is required", param + ".tool_call_id", "missing_required_parameter");
      auto translated = content_of(c, param + ".content", false);
      if (!translated) return translated.take_error();
      turn = json{{"role", "tool"}, {"tool_call_id", *id}, {"content", std::move(*translated)}};
    } else {
      return unsupported_parameter("messages with role '" + role + "' cannot be sent to cohere", param + ".role");
    }
    if (!turn) return turn.take_error();
    messages.push_back(std::move(*turn));
  }
  body["messages"] = std::move(messages);

  const json* tools = find_array(in, "tools");
  const json* choice = find(in, "tool_choice");
  if (tools != nullptr && !tools->empty()) {
    bool strict = false;
    auto translated = translate_tools(*tools, strict);
    if (!translated) return translated.take_error();
    body["tools"] = std::move(*translated);
    if (strict) body["strict_tools"] = true;
    if (auto refused = refuse_parallel_tool_calls_off(in, "cohere")) return *refused;  // Cohere has no switch
  }
  if (choice != nullptr && !choice->is_null()) {
    auto translated = translate_tool_choice(*choice, tools);
    if (!translated) return translated.take_error();
    if (*translated) body["tool_choice"] = **translated;
  }
  body["stream"] = request.stream;

  ProviderRequest out;
  out.path = "/v2/chat";
  out.headers.emplace_back("content-type", "application/json");
  out.dropped = unhandled_fields(in, kHandled);
  out.body = to_json_text(body);
  return out;
}

}  // namespace llmroute::providers::cohere

LLMROUTE_SIZE_OVER_SPEED_END
