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

}  // namespace llmroute::providers
