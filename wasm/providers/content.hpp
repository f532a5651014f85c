// OpenAI message content, read the same way by every translator whose API takes content blocks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/json_access.hpp"
#include "util/result.hpp"

namespace llmroute::providers {

// The provider's block for a text, and for an image URL (`at` names the part, for errors).
using TextBlock = json (*)(const std::string& text);
using ImageBlock = Result<json> (*)(const std::string& url, const std::string& at);

// OpenAI content (a string, text and image_url parts, or null) -> the provider's blocks. Empty texts
// are left out (block APIs reject them); other part types are refused, naming `provider`.
Result<json> content_blocks(const json& content, const std::string& param, std::string_view provider,
                            TextBlock text_block, ImageBlock image_block);

// The text of content whatever its form: a string, or its text parts joined by newlines.
std::string text_of(const json& content);

// "data:image/png;base64,AAAA" -> {image/png, AAAA}; nullopt for any other URL.
struct Base64Data {
  std::string media_type;
  std::string data;
};
std::optional<Base64Data> parse_base64_data_url(const std::string& url);

// Appends a turn of `role` holding `blocks`, merged into the last turn when that has the same
// role: for APIs whose user and assistant turns must alternate. Nothing is added for no blocks.
void push_turn(json& messages, const std::string& role, json blocks);

}  // namespace llmroute::providers
