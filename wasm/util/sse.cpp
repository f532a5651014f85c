#include "util/sse.hpp"

namespace llmroute {

void append_sse_event(std::string& out, std::string_view data) {
  for (;;) {
    const auto newline = data.find('\n');
    out.append("data: ").append(data.substr(0, newline)).push_back('\n');
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  out.push_back('\n');
}

bool SseDecoder::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (overflowed_) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') {
      last_was_cr_ = false;
      continue;
    }
    if (c == '\n' && last_was_cr_ && i == start) {  // the \n of a \r\n split across feeds or right after
      last_was_cr_ = false;
      start = i + 1;
      continue;
    }
    line_.append(bytes.data() + start, i - start);
    take_line(out);
    last_was_cr_ = c == '\r';
    start = i + 1;
  }
  line_.append(bytes.data() + start, bytes.size() - start);
  if (line_.size() + data_.size() > max_event_bytes_) {
    overflowed_ = true;
    return false;
  }
  return true;
}

void SseDecoder::take_line(std::vector<SseEvent>& out) {
  std::string_view line = line_;
  if (line.empty()) {
    if (has_data_) out.push_back(SseEvent{std::move(event_), std::move(data_)});
    event_.clear();
    data_.clear();
    has_data_ = false;
  } else if (line.front() != ':') {
    const auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data_) data_.push_back('\n');
      data_.append(value);
      has_data_ = true;
    } else if (field == "event") {
      event_.assign(value);
    }
    // id and retry are not used by any provider we speak to.
  }
  line_.clear();
}

}  // namespace llmroute
