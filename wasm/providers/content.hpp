// OpenAI message content, read the same way by every translator whose API takes content blocks.
#pragma once

#include <string>
#include <string_view>

#include "model/chat_request.hpp"  // content_text, parse_base64_data_url: the other content readers
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

// The text of a turn the provider takes as text only (system and developer prompts, tool results):
// a part of any other type (an image) is refused rather than silently left out.
Result<std::string> text_only(const json& content, const std::string& param, std::string_view provider);

// Appends a turn of `role` holding `blocks`, merged into the last turn when that has the same
// role: for APIs whose user and assistant turns must alternate. Nothing is added for no blocks.
void push_turn(json& messages, const std::string& role, json blocks);

}  // namespace llmroute::providers
