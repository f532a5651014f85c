// An incremental Server-Sent Events decoder (the WHATWG event-stream grammar): bytes go in split
// anywhere, whole events come out. Lines end in \n, \r\n or \r; lines starting with ':' are
// comments; several data lines join with \n; a blank line dispatches the event.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmroute {

struct SseEvent {
  std::string event;  // the "event:" field, empty when absent
  std::string data;
};

// Appends `data` as one SSE event: a "data: " line per line of it (a decoded event's lines were
// joined with \n), then the blank line that ends the event.
void append_sse_event(std::string& out, std::string_view data);

class SseDecoder {
 public:
  explicit SseDecoder(std::size_t max_event_bytes = 4u << 20) : max_event_bytes_(max_event_bytes) {}

  // Appends the events completed by `bytes` to `out`. False once an event grows past the limit
  // (the stream is then unusable).
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);

  // At the end of the stream: whether bytes of an unfinished event are left over.
  bool has_partial_event() const { return !line_.empty() || has_data_ || !event_.empty(); }

 private:
  void take_line(std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  bool last_was_cr_ = false;  // a \r just ended a line: a following \n belongs to it
  bool overflowed_ = false;
};

}  // namespace llmroute
