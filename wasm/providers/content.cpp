#include "providers/content.hpp"

#include "model/error.hpp"

namespace llmroute::providers {

Result<json> content_blocks(const json& content, const std::string& param, std::string_view provider,
                            TextBlock text_block, ImageBlock image_block) {
  json blocks = json::array();
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) blocks.push_back(text_block(content.get_ref<const std::string&>()));
    return blocks;
  }
  if (!content.is_array()) return blocks;  // null: no content
  std::size_t index = 0;
  for (const json& part : content) {
    const std::string at = param + "[" + std::to_string(index++) + "]";
    const std::string* type = find_string(part, "type");
    if (type != nullptr && *type == "text") {
      const std::string& text = *find_string(part, "text");  // checked when the request was parsed
      if (!text.empty()) blocks.push_back(text_block(text));
    } else if (type != nullptr && *type == "image_url") {
      const json* image = find_object(part, "image_url");
      const std::string* url = image ? find_string(*image, "url") : nullptr;
      if (url == nullptr) return client_error("'" + at + ".image_url.url' must be a string", at + ".image_url.url", "invalid_type");
      auto block = image_block(*url, at);
      if (!block) return block.take_error();
      blocks.push_back(std::move(*block));
    } else {
      return unsupported_parameter("content parts of type '" + (type ? *type : std::string("?")) + "' cannot be sent to " +
                                       std::string(provider), at);
    }
  }
  return blocks;
}

Result<std::string> text_only(const json& content, const std::string& param, std::string_view provider) {
  if (content.is_array()) {
    for (std::size_t i = 0; i < content.size(); ++i) {
      const std::string* type = find_string(content[i], "type");
      if (type == nullptr || *type != "text") {
        return unsupported_parameter(std::string(provider) + " takes only text in system, developer and tool messages; a part of type '" +
                                         (type ? *type : std::string("?")) + "' cannot be sent",
                                     param + "[" + std::to_string(i) + "]");
      }
    }
  }
  return content_text(content);
}

void push_turn(json& messages, const std::string& role, json blocks) {
  if (blocks.empty()) return;
  if (!messages.empty() && messages.back()["role"] == role) {
    for (json& b : blocks) messages.back()["content"].push_back(std::move(b));
    return;
  }
  messages.push_back({{"role", role}, {"content", std::move(blocks)}});
}

}  // namespace llmroute::providers
