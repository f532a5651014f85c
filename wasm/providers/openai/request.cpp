#include <algorithm>

#include "providers/openai/openai.hpp"

namespace llmroute::providers::openai {

namespace {

bool listed(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void note(std::vector<std::string>& dropped, std::string name) {
  if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) dropped.push_back(std::move(name));
}

// A value that asks for nothing: sending none instead changes no meaning.
bool asks_nothing(std::string_view name, const json& value) {
  if (value.is_null() || (value.is_boolean() && !value.get<bool>())) return true;
  if (value.is_array() && value.empty()) return true;
  if (name == "n") return as_int64(value) == 1;
  if (name == "tool_choice") return value.is_string() && value.get_ref<const std::string&>() == "none";
  return false;
}

Error unsupported(const Dialect& dialect, std::string what, std::string param) {
  return unsupported_parameter(std::string(dialect.provider) + " " + what, std::move(param));
}

}  // namespace

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& /*context*/,
                                      const Dialect& dialect) {
  const json& in = request.body;
  for (const std::string_view name : dialect.refused) {
    const json* value = find(in, name);
    if (value != nullptr && !asks_nothing(name, *value)) {
      return unsupported(dialect, "cannot honour '" + std::string(name) + "'", std::string(name));
    }
  }
  if (!dialect.images && request.has_images) return unsupported(dialect, "does not take images", "messages");
  if (const json* format = find_object(in, "response_format")) {
    const std::string* type = find_string(*format, "type");
    if (type != nullptr && ((*type == "json_schema" && !dialect.json_schema) || (*type == "json_object" && !dialect.json_object))) {
      return unsupported(dialect, "has no response_format " + *type, "response_format");
    }
  }

  // Patch the client's own document: every field we do not model reaches the provider untouched.
  ProviderRequest out;
  json body = in;
  body["model"] = std::string(model);
  body.erase("models");  // llmroute's fallback list, not a provider parameter
  for (const std::string_view name : dialect.refused) {
    if (body.erase(std::string(name)) > 0) note(out.dropped, std::string(name));  // left: they asked nothing
  }
  for (const Rename& rename : dialect.renamed) {
    auto it = body.find(rename.from);
    if (it == body.end()) continue;
    json value = std::move(*it);
    body.erase(it);
    body[std::string(rename.to)] = std::move(value);
  }
  for (const std::string_view name : dialect.dropped) {
    if (body.erase(std::string(name)) > 0) note(out.dropped, std::string(name));
  }
  if (request.stream) {
    if (dialect.usage_unasked) {
      body.erase("stream_options");  // its one option, the usage chunk, is written by the translator
    } else {
      // Always ask for the usage chunk: without it a stream cannot be priced. The translator strips
      // it again when the client did not ask for it.
      json& options = body["stream_options"];
      if (!options.is_object()) options = json::object();
      options["include_usage"] = true;
    }
  }
  if (!dialect.accepted.empty()) {
    for (auto it = body.begin(); it != body.end();) {
      if (listed(dialect.accepted, it.key())) {
        ++it;
      } else {
        note(out.dropped, it.key());
        it = body.erase(it);
      }
    }
  }
  if (!dialect.developer_role || !dialect.message_fields.empty()) {
    auto messages = body.find("messages");
    for (json& message : *messages) {  // an array of objects: checked when the request was parsed
      auto role = message.find("role");
      if (!dialect.developer_role && *role == "developer") *role = "system";
      if (dialect.message_fields.empty()) continue;
      for (auto it = message.begin(); it != message.end();) {
        if (listed(dialect.message_fields, it.key())) {
          ++it;
        } else {
          note(out.dropped, "messages[]." + it.key());
          it = message.erase(it);
        }
      }
    }
  }

  out.path = dialect.path;
  out.headers.emplace_back("content-type", "application/json");
  out.body = to_json_text(body);
  return out;
}

}  // namespace llmroute::providers::openai
