#include <array>
#include <optional>
#include <utility>

#include "providers/bedrock/bedrock.hpp"
#include "providers/content.hpp"

LLMROUTE_SIZE_OVER_SPEED_BEGIN

namespace llmroute::providers::bedrock {

namespace {

// Client fields mapped below, or meaningless here (stream_options: Bedrock's stream always ends
// with its usage).
constexpr std::array<std::string_view, 15> kHandled = {
    "model", "models", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream",
    "stream_options", "tools", "tool_choice", "parallel_tool_calls", "n", "response_format"};

// The image formats Converse takes, by media type.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kImageFormats = {
    {{"image/png", "png"}, {"image/jpeg", "jpeg"}, {"image/jpg", "jpeg"}, {"image/gif", "gif"}, {"image/webp", "webp"}}};

json text_block(const std::string& text) { return {{"text", text}}; }

// Converse takes images as bytes (base64 in JSON) or from S3, never by URL: only data: URLs go.
Result<json> image_block(const std::string& url, const std::string& at) {
  if (auto data = parse_base64_data_url(url)) {
    for (const auto& [media_type, format] : kImageFormats) {
      if (data->media_type == media_type) return json{{"image", {{"format", format}, {"source", {{"bytes", data->data}}}}}};
    }
  }
  return unsupported_parameter("bedrock takes images only as base64 data: URLs of PNG, JPEG, GIF or WebP", at + ".image_url.url");
}

// "us-east-1/anthropic.claude-...:0" -> region and model id.
bool split_region(std::string_view model, std::string_view& region, std::string_view& model_id) {
  const auto slash = model.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == model.size()) return false;
  region = model.substr(0, slash);
  model_id = model.substr(slash + 1);
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// A tool_choice other than none (which Converse says by sending no tools).
json translate_tool_choice(const ToolChoice& choice) {
  if (choice.mode == ToolChoice::Mode::Required) return json{{"any", json::object()}};
  if (choice.mode == ToolChoice::Mode::Function) return json{{"tool", {{"name", choice.function_name}}}};
  return json{{"auto", json::object()}};
}

Result<json> translate_tools(const json& tools) {
  json out = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json* function = find_object(tools[i], "function");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    if (name == nullptr) {
      return client_error("'tools[" + std::to_string(i) + "].function.name' is required", "tools", "missing_required_parameter");
    }
    json spec = {{"name", *name}};
    if (const std::string* description = find_string(*function, "description")) spec["description"] = *description;
    const json* parameters = find_object(*function, "parameters");
    spec["inputSchema"] = {{"json", parameters ? *parameters : json{{"type", "object"}, {"properties", json::object()}}}};
    out.push_back({{"toolSpec", std::move(spec)}});
  }
  return out;
}

// An assistant turn's text and tool calls as Converse blocks.
Result<json> assistant_blocks(const json& message, const json& content, const std::string& param) {
  auto blocks = content_blocks(content, param + ".content", "bedrock", text_block, image_block);
  if (!blocks) return blocks;
  const json* calls = find_array(message, "tool_calls");
  for (std::size_t i = 0; calls != nullptr && i < calls->size(); ++i) {
    const json& call = (*calls)[i];
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
    blocks->push_back({{"toolUse", {{"toolUseId", *id}, {"name", *name}, {"input", std::move(input)}}}});
  }
  return blocks;
}

}  // namespace

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context) {
  std::string_view region, model_id;
  if (!split_region(model, region, model_id)) {
    return Error{ErrorKind::Config, 500, "invalid_config", "invalid_target_model",
                 "the target aws-bedrock/" + std::string(model) + " must name its region: aws-bedrock/{region}/{modelId}", {}};
  }
  const json& in = request.body;
  if (auto refused = refuse_unmappable(in, "bedrock")) return *refused;
  if (const json* format = find_object(in, "response_format")) {
    const std::string* type = find_string(*format, "type");
    if (type == nullptr || *type != "text") {
      return unsupported_parameter("bedrock's Converse API has no JSON mode: response_format '" + (type ? *type : std::string("?")) +
                                       "' needs a target that supports it", "response_format");
    }
  }
  json inference = json::object();
  if (request.max_output_tokens) inference["maxTokens"] = *request.max_output_tokens;
  if (const json* t = find(in, "temperature"); t != nullptr && t->is_number()) {
    // OpenAI's scale goes to 2, that of Bedrock's models to 1: refuse rather than change the meaning.
    if (t->get<double>() > 1.0) return unsupported_parameter("bedrock accepts temperature up to 1", "temperature");
    inference["temperature"] = *t;
  }
  if (const json* p = find(in, "top_p"); p != nullptr && p->is_number()) inference["topP"] = *p;
  if (const json* stop = find(in, "stop"); stop != nullptr && !stop->is_null()) {
    inference["stopSequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  }

  // Messages: system and developer turns become the system blocks; tool results join user turns.
  json system = json::array();
  json messages = json::array();
  bool has_tool_turns = false;
  const json* list = find_array(in, "messages");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const json& message = (*list)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    const std::string& role = *find_string(message, "role");  // checked when the request was parsed
    static const json kNull;
    const json* content = find(message, "content");
    const json& c = content ? *content : kNull;
    if (role == "system" || role == "developer") {
      auto text = text_only(c, param + ".content", "bedrock");
      if (!text) return text.take_error();
      if (!text->empty()) system.push_back(text_block(*text));
    } else if (role == "user") {
      auto blocks = content_blocks(c, param + ".content", "bedrock", text_block, image_block);
      if (!blocks) return blocks.take_error();
      push_turn(messages, "user", std::move(*blocks));
    } else if (role == "assistant") {
      auto blocks = assistant_blocks(message, c, param);
      if (!blocks) return blocks.take_error();
      has_tool_turns = has_tool_turns || find_array(message, "tool_calls") != nullptr;
      push_turn(messages, "assistant", std::move(*blocks));
    } else if (role == "tool") {
      const std::string* id = find_string(message, "tool_call_id");
      if (id == nullptr) return client_error("'" + param + ".tool_call_id' is required", param + ".tool_call_id", "missing_required_parameter");
      json result_content = json::array();
      auto text = text_only(c, param + ".content", "bedrock");
      if (!text) return text.take_error();
      if (!text->empty()) result_content.push_back(text_block(*text));
      push_turn(messages, "user", json::array({{{"toolResult", {{"toolUseId", *id}, {"content", std::move(result_content)}}}}}));
      has_tool_turns = true;
    } else {
      return unsupported_parameter("messages with role '" + role + "' cannot be sent to bedrock", param + ".role");
    }
  }
  if (messages.empty()) return client_error("bedrock needs at least one user or assistant message", "messages", "invalid_value");

  json body = json::object();
  body["messages"] = std::move(messages);
  if (!system.empty()) body["system"] = std::move(system);
  if (!inference.empty()) body["inferenceConfig"] = std::move(inference);

  const json* tools = find_array(in, "tools");
  std::optional<ToolChoice> choice;
  if (const json* given = find(in, "tool_choice"); given != nullptr && !given->is_null()) {
    auto read = read_tool_choice(*given, "bedrock");
    if (!read) return read.take_error();
    choice = std::move(*read);
  }
  const bool no_tools = choice && choice->mode == ToolChoice::Mode::None;
  if (tools != nullptr && !tools->empty()) {
    if (no_tools && has_tool_turns) {
      // Converse needs the tools declared once the conversation holds tool calls, and has no "none".
      return unsupported_parameter("bedrock cannot be kept from calling the tools of a conversation that holds tool calls", "tool_choice");
    }
    if (!no_tools) {
      if (auto refused = refuse_parallel_tool_calls_off(in, "bedrock")) return *refused;  // Converse has no switch
      auto translated = translate_tools(*tools);
      if (!translated) return translated.take_error();
      json config = {{"tools", std::move(*translated)}};
      if (choice) config["toolChoice"] = translate_tool_choice(*choice);
      body["toolConfig"] = std::move(config);
    }
  }

  ProviderRequest out;
  const std::string action = request.stream ? "/converse-stream" : "/converse";
  // The model id goes percent-encoded (its ':' as %3A), under the gateway and in the signed URL alike.
  const std::string aws_path = "/model/" + aws_uri_encode(model_id, false) + action;
  out.path = "/bedrock-runtime/" + std::string(region) + aws_path;
  out.body = to_json_text(body);
  out.headers.emplace_back("content-type", "application/json");
  if (context.aws_credentials != nullptr) {
    const std::string host = "bedrock-runtime." + std::string(region) + ".amazonaws.com";
    const SigV4Request to_sign{"POST", host, aws_path, region, kSigningService, out.body, context.now_ms};
    for (auto& header : sign_sigv4(to_sign, *context.aws_credentials).headers) out.headers.push_back(std::move(header));
  }
  out.dropped = unhandled_fields(in, kHandled);
  list_dropped_tool_strict(in, out.dropped);
  return out;
}

}  // namespace llmroute::providers::bedrock

LLMROUTE_SIZE_OVER_SPEED_END
