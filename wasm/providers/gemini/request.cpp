#include <algorithm>
#include <array>

#include "providers/content.hpp"
#include "providers/gemini/gemini.hpp"

LLMROUTE_SIZE_OVER_SPEED_BEGIN

namespace llmroute::providers::gemini {

namespace {

// Client fields mapped below, or meaningless here (stream_options: we stream natively).
constexpr std::array<std::string_view, 20> kHandled = {
    "model", "models", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "seed",
    "presence_penalty", "frequency_penalty", "n", "response_format", "reasoning_effort", "modalities", "stream",
    "stream_options", "tools", "tool_choice", "parallel_tool_calls"};

// reasoning_effort -> thinkingBudget, as Google's own OpenAI-compatible endpoint maps it.
struct ThinkingBudget {
  std::string_view effort;
  std::int64_t tokens;
};
constexpr std::array<ThinkingBudget, 4> kThinkingBudgets = {{{"none", 0}, {"low", 1024}, {"medium", 8192}, {"high", 24576}}};

// Sampling fields that mean the same on both sides.
struct SameField {
  std::string_view openai;
  std::string_view gemini;
};
constexpr std::array<SameField, 4> kSameFields = {{{"temperature", "temperature"}, {"top_p", "topP"},
                                                   {"presence_penalty", "presencePenalty"},
                                                   {"frequency_penalty", "frequencyPenalty"}}};

// The model id goes into the URL path: only the characters of real ids are let through, so that no
// id can lead the request (and its key) to another path of the gateway.
bool valid_model_id(std::string_view model) {
  if (model.empty()) return false;
  return std::all_of(model.begin(), model.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

// A URL or base64 data URL -> fileData or inlineData.
json media_part(const std::string& url) {
  if (auto data = parse_base64_data_url(url)) {
    return {{"inlineData", {{"mimeType", std::move(data->media_type)}, {"data", std::move(data->data)}}}};
  }
  return {{"fileData", {{"fileUri", url}}}};
}

// One OpenAI content part -> a Gemini part (null for empty text, which Gemini refuses).
Result<json> part_of(const json& part, const std::string& at) {
  const std::string* type = find_string(part, "type");
  if (type != nullptr && *type == "text") {
    const std::string& text = *find_string(part, "text");  // checked when the request was parsed
    return text.empty() ? json() : json{{"text", text}};
  }
  if (type != nullptr && *type == "image_url") {
    const json* image = find_object(part, "image_url");
    const std::string* url = image ? find_string(*image, "url") : nullptr;
    if (url == nullptr) return client_error("'" + at + ".image_url.url' must be a string", at + ".image_url.url", "invalid_type");
    return media_part(*url);
  }
  if (type != nullptr && *type == "input_audio") {
    const json* audio = find_object(part, "input_audio");
    const std::string* data = audio ? find_string(*audio, "data") : nullptr;
    const std::string* format = audio ? find_string(*audio, "format") : nullptr;
    if (data == nullptr || format == nullptr) {
      return client_error("'" + at + ".input_audio' needs data and format strings", at + ".input_audio", "invalid_type");
    }
    return json{{"inlineData", {{"mimeType", "audio/" + *format}, {"data", *data}}}};
  }
  if (type != nullptr && *type == "file") {
    const json* file = find_object(part, "file");
    const std::string* data = file ? find_string(*file, "file_data") : nullptr;
    auto inline_data = data ? parse_base64_data_url(*data) : std::nullopt;
    if (!inline_data) return unsupported_parameter("only files sent inline as base64 data URLs (file.file_data) can be sent to gemini", at);
    return json{{"inlineData", {{"mimeType", std::move(inline_data->media_type)}, {"data", std::move(inline_data->data)}}}};
  }
  return unsupported_parameter("content parts of type '" + (type ? *type : std::string("?")) + "' cannot be sent to gemini", at);
}

// OpenAI content (a string or parts) -> Gemini parts.
Result<json> parts_of(const json& content, const std::string& param) {
  json parts = json::array();
  if (const auto* text = content.get_ptr<const json::string_t*>()) {
    if (!text->empty()) parts.push_back({{"text", *text}});
    return parts;
  }
  if (!content.is_array()) return parts;  // null: no content
  for (std::size_t i = 0; i < content.size(); ++i) {
    auto part = part_of(content[i], param + "[" + std::to_string(i) + "]");
    if (!part) return part.take_error();
    if (!part->is_null()) parts.push_back(std::move(*part));
  }
  return parts;
}

// Consecutive turns of one role merge: tool results and the user's next words make one user turn,
// as Gemini expects the answers to all of a turn's calls together.
void push_turn(json& contents, const std::string& role, json parts) {
  if (parts.empty()) return;
  if (!contents.empty() && contents.back()["role"] == role) {
    for (json& part : parts) contents.back()["parts"].push_back(std::move(part));
    return;
  }
  contents.push_back({{"role", role}, {"parts", std::move(parts)}});
}

// An assistant turn's tool_calls -> functionCall parts, each with the thought signature its id carries.
Result<json> function_call_parts(const json& calls, const std::string& param) {
  json parts = json::array();
  for (const json& call : calls) {
    const std::string* type = find_string(call, "type");
    if (type != nullptr && *type != "function") return unsupported_parameter("tool calls of type '" + *type + "' cannot be sent to gemini", param);
    const json* function = find_object(call, "function");
    const std::string* id = find_string(call, "id");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    const std::string* arguments = function ? find_string(*function, "arguments") : nullptr;
    if (id == nullptr || name == nullptr) {
      return client_error("'" + param + "' entries need an id and function.name", param, "invalid_type");
    }
    json args = json::object();
    if (arguments != nullptr && !arguments->empty()) {
      if (parse_json(*arguments, args) != JsonParseStatus::Ok || !args.is_object()) {
        return client_error("'" + param + "' arguments must be a JSON object text", param, "invalid_value");
      }
    }
    json part = {{"functionCall", {{"name", *name}, {"args", std::move(args)}}}};
    if (const std::string_view signature = thought_signature_of(*id); !signature.empty()) {
      part["thoughtSignature"] = std::string(signature);
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

// The function a tool result answers: Gemini pairs results with calls by name, so the name is found
// in the nearest earlier assistant turn that made a call with this id.
const std::string* called_function(const json& messages, std::size_t tool_index, const std::string& id) {
  for (std::size_t i = tool_index; i-- > 0;) {
    const json* calls = find_array(messages[i], "tool_calls");
    for (std::size_t c = 0; calls != nullptr && c < calls->size(); ++c) {
      const std::string* call_id = find_string((*calls)[c], "id");
      const json* function = find_object((*calls)[c], "function");
      if (call_id != nullptr && *call_id == id && function != nullptr) return find_string(*function, "name");
    }
  }
  return nullptr;
}

// A tool's output -> functionResponse.response, which must be an object: a JSON object output is
// given as is (Gemini reads its "output" and "error" keys), anything else as {"output": text}.
json function_response(const std::string& text) {
  json parsed;
  if (parse_json(text, parsed) == JsonParseStatus::Ok && parsed.is_object()) return parsed;
  return {{"output", text}};
}

Result<json> translate_tools(const json& tools) {
  json declarations = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const std::string* type = find_string(tools[i], "type");
    if (type != nullptr && *type != "function") return unsupported_parameter("tools of type '" + *type + "' cannot be sent to gemini", at);
    const json* function = find_object(tools[i], "function");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    if (name == nullptr) return client_error("'" + at + ".function.name' is required", at + ".function.name", "missing_required_parameter");
    json declaration = {{"name", *name}};
    if (const std::string* description = find_string(*function, "description")) declaration["description"] = *description;
    // JSON Schema as the client wrote it: parametersJsonSchema takes it whole, where `parameters`
    // takes only an OpenAPI subset (no additionalProperties, no type lists).
    if (const json* parameters = find_object(*function, "parameters")) declaration["parametersJsonSchema"] = *parameters;
    declarations.push_back(std::move(declaration));
  }
  return json::array({{{"functionDeclarations", std::move(declarations)}}});
}

// OpenAI tool function references ([{type: function, function: {name}}]) -> names.
Result<json> function_names(const json& tools, const std::string& param) {
  json names = json::array();
  for (const json& tool : tools) {
    const json* function = find_object(tool, "function");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    if (name == nullptr) return client_error("'" + param + "' entries need function.name", param, "invalid_type");
    names.push_back(*name);
  }
  return names;
}

Result<json> translate_tool_choice(const json& choice) {
  if (const json* allowed = find_object(choice, "allowed_tools")) {
    const std::string* mode = find_string(*allowed, "mode");
    const json* tools = find_array(*allowed, "tools");
    if (mode == nullptr || tools == nullptr) {
      return client_error("'tool_choice.allowed_tools' needs a mode and tools", "tool_choice.allowed_tools", "invalid_type");
    }
    // Gemini limits the callable functions only when a call is required.
    if (*mode != "required") return unsupported_parameter("gemini can limit the allowed tools only with mode 'required'", "tool_choice.allowed_tools.mode");
    auto names = function_names(*tools, "tool_choice.allowed_tools.tools");
    if (!names) return names.take_error();
    return json{{"functionCallingConfig", {{"mode", "ANY"}, {"allowedFunctionNames", std::move(*names)}}}};
  }
  auto read = read_tool_choice(choice, "gemini");
  if (!read) return read.take_error();
  switch (read->mode) {
    case ToolChoice::Mode::Auto: return json{{"functionCallingConfig", {{"mode", "AUTO"}}}};
    case ToolChoice::Mode::None: return json{{"functionCallingConfig", {{"mode", "NONE"}}}};
    case ToolChoice::Mode::Required: return json{{"functionCallingConfig", {{"mode", "ANY"}}}};
    case ToolChoice::Mode::Function: break;
  }
  return json{{"functionCallingConfig", {{"mode", "ANY"}, {"allowedFunctionNames", json::array({read->function_name})}}}};
}

Result<json> generation_config(const ChatRequest& request) {
  const json& in = request.body;
  json config = json::object();
  if (auto refused = refuse_unmappable(in, "gemini")) return *refused;
  if (auto refused = refuse_parallel_tool_calls_off(in, "gemini")) return *refused;  // Gemini has no switch
  if (request.max_output_tokens) config["maxOutputTokens"] = *request.max_output_tokens;
  for (const SameField& field : kSameFields) {
    if (const json* v = find(in, field.openai); v != nullptr && v->is_number()) config[std::string(field.gemini)] = *v;
  }
  if (const json* stop = find(in, "stop"); stop != nullptr && !stop->is_null()) {
    config["stopSequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  }
  if (const json* seed = find(in, "seed"); seed != nullptr && seed->is_number_integer()) config["seed"] = *seed;
  if (const json* format = find_object(in, "response_format")) {
    const std::string* type = find_string(*format, "type");
    if (type != nullptr && *type == "json_object") {
      config["responseMimeType"] = "application/json";
    } else if (type != nullptr && *type == "json_schema") {
      config["responseMimeType"] = "application/json";
      const json* spec = find_object(*format, "json_schema");
      // JSON Schema as written (responseSchema would take only an OpenAPI subset).
      if (const json* schema = spec ? find_object(*spec, "schema") : nullptr) config["responseJsonSchema"] = *schema;
    } else if (type == nullptr || *type != "text") {
      return unsupported_parameter("response_format '" + (type ? *type : std::string("?")) + "' cannot be sent to gemini", "response_format");
    }
  }
  if (const json* modalities = find_array(in, "modalities")) {
    // Text is all llmroute answers with.
    for (const json& modality : *modalities) {
      if (modality != "text") return unsupported_parameter("gemini answers through llmroute in text only", "modalities");
    }
    config["responseModalities"] = json::array({"TEXT"});
  }
  if (const std::string* effort = find_string(in, "reasoning_effort")) {
    const auto budget = std::find_if(kThinkingBudgets.begin(), kThinkingBudgets.end(),
                                     [&](const ThinkingBudget& b) { return b.effort == *effort; });
    if (budget == kThinkingBudgets.end()) {
      return unsupported_parameter("reasoning_effort '" + *effort + "' has no gemini equivalent (none, low, medium, high do)", "reasoning_effort");
    }
    config["thinkingConfig"] = {{"thinkingBudget", budget->tokens}};
  }
  return config;
}

}  // namespace

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& /*context*/) {
  const json& in = request.body;
  if (!valid_model_id(model)) {
    return client_error("'" + std::string(model) + "' is not a gemini model id (letters, digits, '-', '.', '_')", "model", "invalid_value");
  }
  json body = json::object();
  ProviderRequest out;

  // Messages: system and developer turns become the systemInstruction; user and assistant turns
  // become user and model contents; tool results become functionResponse parts of a user turn.
  json system = json::array();
  json contents = json::array();
  const json* list = find_array(in, "messages");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const json& message = (*list)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    const std::string& role = *find_string(message, "role");  // checked when the request was parsed
    const json* content = find(message, "content");
    static const json kNull;
    const json& c = content ? *content : kNull;
    if (role == "system" || role == "developer") {
      auto text = text_only(c, param + ".content", "gemini");
      if (!text) return text.take_error();
      if (!text->empty()) system.push_back({{"text", std::move(*text)}});
    } else if (role == "user") {
      auto parts = parts_of(c, param + ".content");
      if (!parts) return parts.take_error();
      push_turn(contents, "user", std::move(*parts));
    } else if (role == "assistant") {
      auto parts = parts_of(c, param + ".content");
      if (!parts) return parts.take_error();
      if (const json* calls = find_array(message, "tool_calls")) {
        auto call_parts = function_call_parts(*calls, param + ".tool_calls");
        if (!call_parts) return call_parts.take_error();
        for (json& part : *call_parts) parts->push_back(std::move(part));
      }
      push_turn(contents, "model", std::move(*parts));
    } else if (role == "tool") {
      const std::string* id = find_string(message, "tool_call_id");
      if (id == nullptr) return client_error("'" + param + ".tool_call_id' is required", param + ".tool_call_id", "missing_required_parameter");
      const std::string* name = called_function(*list, i, *id);
      if (name == nullptr) {
        return client_error("'" + param + ".tool_call_id' matches no tool call of an earlier assistant message",
                            param + ".tool_call_id", "invalid_value");
      }
      auto text = text_only(c, param + ".content", "gemini");
      if (!text) return text.take_error();
      json result = {{"functionResponse", {{"name", *name}, {"response", function_response(*text)}}}};
      push_turn(contents, "user", json::array({std::move(result)}));
    } else {
      return unsupported_parameter("messages with role '" + role + "' cannot be sent to gemini", param + ".role");
    }
  }
  if (contents.empty()) return client_error("gemini needs at least one user or assistant message", "messages", "invalid_value");
  body["contents"] = std::move(contents);
  if (!system.empty()) body["systemInstruction"] = {{"parts", std::move(system)}};

  if (const json* tools = find_array(in, "tools"); tools != nullptr && !tools->empty()) {
    auto translated = translate_tools(*tools);
    if (!translated) return translated.take_error();
    body["tools"] = std::move(*translated);
  }
  if (const json* choice = find(in, "tool_choice"); choice != nullptr && !choice->is_null()) {
    auto translated = translate_tool_choice(*choice);
    if (!translated) return translated.take_error();
    body["toolConfig"] = std::move(*translated);
  }
  auto config = generation_config(request);
  if (!config) return config.take_error();
  if (!config->empty()) body["generationConfig"] = std::move(*config);

  out.path = "/" + std::string(kApiVersion) + "/models/" + std::string(model) +
             (request.stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  out.headers.emplace_back("content-type", "application/json");
  for (std::string& name : unhandled_fields(in, kHandled)) out.dropped.push_back(std::move(name));
  list_dropped_tool_strict(in, out.dropped);  // Gemini holds every call to its declaration; no switch
  out.body = to_json_text(body);
  return out;
}

}  // namespace llmroute::providers::gemini

LLMROUTE_SIZE_OVER_SPEED_END
