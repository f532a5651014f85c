// The only file with extern "C": the exports of llmroute.h, JSON <-> typed events and actions.
// Each export is a noexcept shell over a helper that returns a Result.
#include "llmroute.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/call.hpp"
#include "providers/registry.hpp"
#include "util/decimal.hpp"

#ifdef __EMSCRIPTEN__
#define LLMROUTE_EXPORT(name) extern "C" __attribute__((export_name(#name)))
#else
#define LLMROUTE_EXPORT(name) extern "C"
#endif

namespace llmroute {
namespace {

// ---- handles: slot index + generation, so a stale handle can never reach a reused slot -------
template <typename T>
class HandleTable {
 public:
  std::int32_t insert(T value) {
    std::size_t index = 0;
    while (index < slots_.size() && slots_[index].value) ++index;
    if (index == slots_.size()) {
      if (slots_.size() >= kMaxSlots) return LLMROUTE_ERR_NO_MEMORY;
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.generation = (slot.generation + 1) & kGenerationMask;
    if (slot.generation == 0) slot.generation = 1;
    slot.value = std::move(value);
    return static_cast<std::int32_t>((slot.generation << kIndexBits) | (index + 1));
  }

  T* get(std::int32_t handle) {
    Slot* slot = find_slot(handle);
    return slot == nullptr ? nullptr : &slot->value;
  }

  bool erase(std::int32_t handle) {
    Slot* slot = find_slot(handle);
    if (slot == nullptr) return false;
    slot->value = T{};
    return true;
  }

 private:
  static constexpr std::uint32_t kIndexBits = 16;
  static constexpr std::size_t kMaxSlots = (1u << kIndexBits) - 1;
  static constexpr std::uint32_t kGenerationMask = 0x7fff;  // keeps handles positive int32

  struct Slot {
    std::uint32_t generation = 0;
    T value{};
  };

  Slot* find_slot(std::int32_t handle) {
    if (handle <= 0) return nullptr;
    const auto h = static_cast<std::uint32_t>(handle);
    const std::size_t index = (h & ((1u << kIndexBits) - 1)) - 1;
    if (index >= slots_.size()) return nullptr;
    Slot& slot = slots_[index];
    if (!slot.value || slot.generation != (h >> kIndexBits)) return nullptr;
    return &slot;
  }

  std::vector<Slot> slots_;
};


constexpr std::size_t kMaxMetadataEntries = 16;
constexpr std::size_t kMaxMetadataBytes = 256;

HandleTable<std::shared_ptr<const core::Router>> g_routers;
HandleTable<std::unique_ptr<core::Call>> g_calls;
std::string g_result;

// ---- results --------------------------------------------------------------------------------------

std::int32_t set_error(std::int32_t code, const Error& error, const std::vector<ConfigProblem>* problems = nullptr) {
  g_result = openai_error_body(error);
  g_result.pop_back();  // reopen the "error" object to add our fields
  g_result.pop_back();
  g_result += ",\"http_status\":" + std::to_string(error.http_status);
  if (problems != nullptr) {
    g_result += ",\"problems\":[";
    for (std::size_t i = 0; i < problems->size(); ++i) {
      if (i > 0) g_result += ',';
      g_result += "{\"path\":";
      append_json_string(g_result, (*problems)[i].path);
      g_result += ",\"message\":";
      append_json_string(g_result, (*problems)[i].message);
      g_result += '}';
    }
    g_result += ']';
  }
  g_result += "}}";
  return code;
}

std::int32_t bad_input(std::int32_t code, std::string message) {
  return set_error(code, Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_abi_input", std::move(message), {}});
}

std::int32_t bad_handle(std::string_view what) {
  return bad_input(LLMROUTE_ERR_BAD_HANDLE, "unknown or freed " + std::string(what) + " handle");
}

void append_headers(std::string& out, const std::vector<providers::Header>& headers) {
  out += '{';
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, headers[i].first);
    out += ':';
    append_json_string(out, headers[i].second);
  }
  out += '}';
}

void append_action(std::string& out, const core::Action& action) {
  auto field = [&out](std::string_view name, std::int64_t value) {
    out += ",\"";
    out += name;
    out += "\":";
    out += std::to_string(value);
  };
  auto text = [&out](std::string_view name, std::string_view value) {
    out += ",\"";
    out += name;
    out += "\":";
    append_json_string(out, value);
  };
  if (const auto* send = std::get_if<core::SendUpstream>(&action)) {
    out += "{\"type\":\"send_upstream\"";
    field("attempt", send->attempt);
    text("url", send->url);
    text("method", "POST");
    out += ",\"headers\":";
    append_headers(out, send->headers);
    out += ",\"secret_headers\":[";
    for (std::size_t i = 0; i < send->secret_headers.size(); ++i) {
      const auto& h = send->secret_headers[i];
      out += i > 0 ? ",{\"name\":" : "{\"name\":";
      append_json_string(out, h.name);
      text("secret", h.secret);
      text("prefix", h.prefix);
      out += '}';
    }
    out += ']';
    text("body", send->body);
    field("deadline_ms", send->deadline_ms);
    out += '}';
  } else if (const auto* reserve = std::get_if<core::ReserveBudget>(&action)) {
    out += "{\"type\":\"reserve_budget\"";
    text("key", reserve->key);
    field("amount_micro_usd", reserve->amount_micro_usd);
    field("requests_per_minute", reserve->requests_per_minute);
    field("tokens_per_minute", reserve->tokens_per_minute);
    field("estimated_tokens", reserve->estimated_tokens);
    field("now_ms", reserve->now_ms);
    out += ",\"checks\":[";
    for (std::size_t i = 0; i < reserve->checks.size(); ++i) {
      const BudgetCheck& c = reserve->checks[i];
      out += i > 0 ? ",{\"scope\":" : "{\"scope\":";
      append_json_string(out, c.scope);
      text("window", c.window);
      field("window_start_ms", c.window_start_ms);
      field("window_end_ms", c.window_end_ms);
      field("limit_micro_usd", c.limit_micro_usd);
      out += '}';
    }
    out += "]}";
  } else if (const auto* cancel = std::get_if<core::CancelUpstream>(&action)) {
    out += "{\"type\":\"cancel_upstream\"";
    field("attempt", cancel->attempt);
    out += '}';
  } else if (const auto* respond = std::get_if<core::Respond>(&action)) {
    out += "{\"type\":\"respond\"";
    field("status", respond->status);
    out += ",\"headers\":";
    append_headers(out, respond->headers);
    text("body", respond->body);
    out += '}';
  } else if (const auto* head = std::get_if<core::RespondHead>(&action)) {
    out += "{\"type\":\"respond_head\"";
    field("status", head->status);
    out += ",\"headers\":";
    append_headers(out, head->headers);
    out += '}';
  } else if (const auto* bytes = std::get_if<core::RespondBytes>(&action)) {
    out += "{\"type\":\"respond_bytes\"";
    text("bytes", bytes->bytes);
    out += '}';
  } else if (std::holds_alternative<core::RespondEnd>(action)) {
    out += "{\"type\":\"respond_end\"}";
  } else if (const auto* record = std::get_if<core::RecordUsage>(&action)) {
    out += "{\"type\":\"record_usage\"";
    text("key", record->key);
    text("route", record->route);
    text("provider", record->provider);
    text("model", record->model);
    field("status", record->status);
    text("outcome", record->outcome);
    field("attempts", record->attempts);
    field("prompt_tokens", record->usage.prompt_tokens);
    field("completion_tokens", record->usage.completion_tokens);
    field("cached_prompt_tokens", record->usage.cached_prompt_tokens);
    field("cache_write_prompt_tokens", record->usage.cache_write_prompt_tokens);
    field("reasoning_tokens", record->usage.reasoning_tokens);
    field("cost_micro_usd", record->cost.micro_usd);
    text("cost_status", cost_status_name(record->cost.status));
    text("rate_set", record->cost.rate_set);
    text("price_version", record->price_version);
    text("reservation_id", record->reservation_id);
    field("cache_write_1h_prompt_tokens", record->usage.cache_write_1h_prompt_tokens);
    field("latency_ms", record->latency_ms);
    out += ",\"fallback_reasons\":[";
    for (std::size_t i = 0; i < record->fallback_reasons.size(); ++i) {
      const core::FallbackReason& f = record->fallback_reasons[i];
      out += i > 0 ? ",{\"provider\":" : "{\"provider\":";
      append_json_string(out, f.provider);
      text("model", f.model);
      text("reason", f.reason);
      field("count", f.count);
      out += '}';
    }
    out += "]}";
  }
}

// Drains the call's actions into the result document.
std::int32_t drain(core::Call& call) {
  g_result = "{\"actions\":[";
  bool first = true;
  while (auto action = call.poll_action()) {
    if (!first) g_result += ',';
    first = false;
    append_action(g_result, *action);
  }
  g_result += "],\"deadline_ms\":";
  const auto deadline = call.next_deadline_ms();
  g_result += deadline ? std::to_string(*deadline) : "null";
  g_result += ",\"done\":";
  g_result += call.done() ? "true" : "false";
  g_result += '}';
  return LLMROUTE_OK;
}

// ---- events ---------------------------------------------------------------------------------------

// retry-after is seconds (RFC 9110 also allows an HTTP-date, which we do not trust to a clock we do
// not have); OpenAI and others also send retry-after-ms.
std::optional<std::int64_t> retry_after_from(const json& headers) {
  if (!headers.is_object()) return std::nullopt;
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    const auto* value = it.value().get_ptr<const json::string_t*>();
    if (value == nullptr) continue;
    if (iequals(it.key(), "retry-after-ms")) {
      if (auto ms = parse_decimal_scaled(*value, 0); ms && *ms >= 0) return ms;
    }
  }
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    const auto* value = it.value().get_ptr<const json::string_t*>();
    if (value == nullptr || !iequals(it.key(), "retry-after")) continue;
    // Whole or fractional seconds, to milliseconds; anything finer is dropped.
    std::string_view text = *value;
    const auto dot = text.find('.');
    if (dot != std::string_view::npos && text.size() > dot + 4) text = text.substr(0, dot + 4);
    if (auto ms = parse_decimal_scaled(text, 3); ms && *ms >= 0) return ms;
  }
  return std::nullopt;
}

// Bedrock names the class of an error in x-amzn-errortype only; its body holds just a message.
std::string error_type_from(const json& headers) {
  if (!headers.is_object()) return {};
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    const auto* value = it.value().get_ptr<const json::string_t*>();
    if (value != nullptr && iequals(it.key(), "x-amzn-errortype")) return *value;
  }
  return {};
}

Result<core::Event> parse_event(std::string_view text) {
  json doc;
  if (parse_json(text, doc) != JsonParseStatus::Ok || !doc.is_object()) {
    return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "the event is not a JSON object", {}};
  }
  const std::string* type = find_string(doc, "type");
  const auto now_ms = find_int64(doc, "now_ms");
  if (type == nullptr || !now_ms || *now_ms < 0 || *now_ms > (std::int64_t{1} << 53)) {  // JS-exact times only
    return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "an event needs a type and now_ms", {}};
  }
  // Attempt numbers are int32 in llmroute_call_feed too; a larger one was never handed out, and
  // narrowing it could alias a live attempt.
  const std::int64_t attempt64 = find_int64(doc, "attempt").value_or(0);
  if (attempt64 < std::numeric_limits<std::int32_t>::min() || attempt64 > std::numeric_limits<std::int32_t>::max()) {
    return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "the event's attempt is out of range", {}};
  }
  const int attempt = static_cast<int>(attempt64);
  if (*type == "client_request_received") {
    const auto seed = find_int64(doc, "seed").value_or(0);
    return core::Event{core::ClientRequestReceived{*now_ms, static_cast<std::uint64_t>(seed)}};
  }
  if (*type == "upstream_responded") {
    const auto status = find_int64(doc, "status");
    if (!status || *status < 100 || *status > 999) {
      return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "upstream_responded needs an HTTP status", {}};
    }
    const json* headers = find(doc, "headers");
    return core::Event{core::UpstreamResponded{attempt, *now_ms, static_cast<int>(*status),
                                               headers ? retry_after_from(*headers) : std::nullopt,
                                               headers ? error_type_from(*headers) : std::string()}};
  }
  if (*type == "upstream_ended") return core::Event{core::UpstreamEnded{attempt, *now_ms}};
  if (*type == "upstream_failed") {
    const std::string* cause = find_string(doc, "cause");
    const auto kind = cause != nullptr && *cause == "timeout" ? core::FailureCause::Timeout : core::FailureCause::Network;
    return core::Event{core::UpstreamFailed{attempt, *now_ms, kind}};
  }
  if (*type == "timer_fired") return core::Event{core::TimerFired{*now_ms}};
  if (*type == "client_disconnected") return core::Event{core::ClientDisconnected{*now_ms}};
  if (*type == "budget_reserved") {
    const std::string* id = find_string(doc, "reservation_id");
    if (id == nullptr || id->empty()) {
      return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "budget_reserved needs a reservation_id", {}};
    }
    return core::Event{core::BudgetReserved{*now_ms, *id}};
  }
  if (*type == "budget_refused") {
    core::BudgetRefused refused;
    refused.now_ms = *now_ms;
    refused.http_status = static_cast<int>(find_int64(doc, "http_status").value_or(402));
    if (const std::string* code = find_string(doc, "code")) refused.code = *code;
    if (const std::string* message = find_string(doc, "message")) refused.message = *message;
    if (auto ms = find_int64(doc, "retry_after_ms"); ms && *ms >= 0) refused.retry_after_ms = ms;
    if (refused.code.empty()) refused.code = "budget_exceeded";
    if (refused.message.empty()) refused.message = "a budget or rate limit of this key would be exceeded";
    return core::Event{std::move(refused)};
  }
  return Error{ErrorKind::Internal, 500, "llmroute_abi_error", "bad_event", "unknown event type '" + *type + "'", {}};
}

// ---- the exported operations ---------------------------------------------------------------------

LLMROUTE_SIZE_OVER_SPEED std::int32_t router_new(std::string_view text) {
  json doc;
  switch (parse_json(text, doc)) {
    case JsonParseStatus::Ok: break;
    case JsonParseStatus::TooDeep: return bad_input(LLMROUTE_ERR_BAD_JSON, "the config nests too deep");
    case JsonParseStatus::Malformed: return bad_input(LLMROUTE_ERR_BAD_JSON, "the config is not valid JSON");
  }
  std::vector<ConfigProblem> problems;
  auto router = core::Router::create(doc, problems);
  if (router == nullptr) {
    const std::string message = "the config has " + std::to_string(problems.size()) + " problem" +
                                (problems.size() == 1 ? "" : "s") + ": " + problems.front().path + " " +
                                problems.front().message + (problems.size() > 1 ? " (and more)" : "");
    return set_error(LLMROUTE_ERR_INVALID, Error{ErrorKind::Config, 500, "invalid_config", "invalid_config", message, {}},
                     &problems);
  }
  const Config& config = router->config();
  const std::int32_t handle = g_routers.insert(std::move(router));
  if (handle < 0) return bad_input(handle, "too many routers");
  g_result = "{\"max_body_bytes\":" + std::to_string(config.limits.max_body_bytes) +
             ",\"max_header_bytes\":" + std::to_string(config.limits.max_header_bytes) + ",\"cors_origins\":[";
  for (std::size_t i = 0; i < config.cors_origins.size(); ++i) {
    if (i > 0) g_result += ',';
    append_json_string(g_result, config.cors_origins[i]);
  }
  g_result += "],\"secret_names\":[";
  const auto names = providers::secret_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) g_result += ',';
    append_json_string(g_result, names[i]);
  }
  g_result += "]}";
  return handle;
}

std::int32_t router_authenticate(std::int32_t router_handle, std::string_view api_key) {
  const auto* router = g_routers.get(router_handle);
  if (router == nullptr) return bad_handle("router");
  auto key = (*router)->authenticate(api_key);
  if (!key) return set_error(LLMROUTE_ERR_INVALID, key.error());
  g_result = "{\"key\":{\"name\":";
  append_json_string(g_result, (*key)->name);
  g_result += (*key)->admin ? ",\"admin\":true}}" : ",\"admin\":false}}";
  return LLMROUTE_OK;
}

LLMROUTE_SIZE_OVER_SPEED std::int32_t what_if(const core::Router& router, const json& query) {
  const std::string* route_name = find_string(query, "route");
  if (route_name == nullptr) return set_error(LLMROUTE_ERR_INVALID, client_error("'route' must be a route name", "route", "invalid_value", 400));
  const auto route = router.config().routes.find(*route_name);
  if (route == router.config().routes.end()) {
    return set_error(LLMROUTE_ERR_INVALID, client_error("no route named '" + *route_name + "'", "route", "model_not_found", 404));
  }
  Usage total;
  if (const json* usage = find_object(query, "usage")) {
    total.prompt_tokens = token_count(*usage, "prompt_tokens");
    total.completion_tokens = token_count(*usage, "completion_tokens");
    // Parts of the totals above, never more than them.
    total.cached_prompt_tokens = std::min(token_count(*usage, "cached_prompt_tokens"), total.prompt_tokens);
    total.cache_write_prompt_tokens = std::min(token_count(*usage, "cache_write_prompt_tokens"), total.prompt_tokens - total.cached_prompt_tokens);
    total.reasoning_tokens = std::min(token_count(*usage, "reasoning_tokens"), total.completion_tokens);
  }
  const std::int64_t requests = find_int64(query, "requests").value_or(1);
  const std::vector<const Target*> targets = router.reachable_targets(route->second);
  g_result = "{\"route\":";
  append_json_string(g_result, *route_name);
  g_result += ",\"candidates\":[";
  bool first = true;
  for (const Target* target_ptr : targets) {
    const Target& target = *target_ptr;
    const Cost cost = price_usage_of_requests(router.prices(), target.provider, target.model, total, requests);
    g_result += first ? "{\"target\":" : ",{\"target\":";
    first = false;
    append_json_string(g_result, target.label());
    g_result += ",\"cost_micro_usd\":";
    g_result += cost.status == CostStatus::Absent ? "null" : std::to_string(cost.micro_usd);
    g_result += ",\"cost_status\":";
    append_json_string(g_result, cost_status_name(cost.status));
    g_result += ",\"rate_set\":";
    append_json_string(g_result, cost.rate_set);
    g_result += '}';
  }
  g_result += "]}";
  return LLMROUTE_OK;
}

LLMROUTE_SIZE_OVER_SPEED std::int32_t router_query(std::int32_t router_handle, std::string_view text) {
  const auto* router = g_routers.get(router_handle);
  if (router == nullptr) return bad_handle("router");
  json query;
  if (parse_json(text, query) != JsonParseStatus::Ok || !query.is_object()) return bad_input(LLMROUTE_ERR_BAD_JSON, "the query is not a JSON object");
  const std::string* name = find_string(query, "query");
  if (name != nullptr && *name == "what_if") return what_if(**router, query);
  return set_error(LLMROUTE_ERR_INVALID, client_error("unknown query; known: what_if", "query", "invalid_value", 400));
}

// The request metadata of the call's meta ({"metadata": {"name": "value"}}) for conditional routes:
// flat string entries, a bounded number, as AI Gateway's own cf-aig-metadata.
Result<core::RequestMetadata> request_metadata(const json& meta) {
  core::RequestMetadata out;
  const json* metadata = find(meta, "metadata");
  if (metadata == nullptr) return out;
  if (!metadata->is_object() || metadata->size() > kMaxMetadataEntries) {
    return client_error("request metadata must be a flat object of at most " + std::to_string(kMaxMetadataEntries) + " entries",
                        {}, "invalid_metadata", 400);
  }
  for (auto it = metadata->begin(); it != metadata->end(); ++it) {
    const json& value = it.value();
    if (value.is_object() || value.is_array() || value.is_null() || it.key().size() > kMaxMetadataBytes) {
      return client_error("request metadata '" + it.key().substr(0, kMaxMetadataBytes) + "' must be a string, number or boolean",
                          {}, "invalid_metadata", 400);
    }
    std::string text = value.is_string() ? value.get<std::string>() : to_json_text(value);
    if (text.size() > kMaxMetadataBytes) return client_error("request metadata '" + it.key() + "' is too long", {}, "invalid_metadata", 400);
    out.emplace_back(it.key(), std::move(text));
  }
  return out;
}

std::int32_t call_new(std::int32_t router_handle, std::string_view meta_text, std::string_view body) {
  const auto* router = g_routers.get(router_handle);
  if (router == nullptr) return bad_handle("router");
  json meta;
  if (parse_json(meta_text, meta) != JsonParseStatus::Ok || !meta.is_object()) {
    return bad_input(LLMROUTE_ERR_BAD_JSON, "the call metadata is not a JSON object");
  }
  const std::string* api_key = find_string(meta, "api_key");
  auto key = (*router)->authenticate(api_key == nullptr ? std::string_view() : std::string_view(*api_key));
  if (!key) return set_error(LLMROUTE_ERR_INVALID, key.error());

  const Config& config = (*router)->config();
  if (body.size() > config.limits.max_body_bytes) {
    return set_error(LLMROUTE_ERR_TOO_LARGE,
                     client_error("the request body is " + std::to_string(body.size()) + " bytes; the limit (max_body_bytes) is " +
                                      std::to_string(config.limits.max_body_bytes), {}, "request_too_large", 413));
  }
  auto request = parse_chat_request(body, config.limits.request);
  if (!request) {
    const bool syntax = request.error().code == "invalid_json" || request.error().code == "json_too_deep";
    return set_error(syntax ? LLMROUTE_ERR_BAD_JSON : LLMROUTE_ERR_INVALID, request.error());
  }
  auto metadata = request_metadata(meta);
  if (!metadata) return set_error(LLMROUTE_ERR_INVALID, metadata.error());
  const auto seed = find_int64(meta, "seed");
  auto plan = (*router)->plan(*request, **key, std::move(*metadata), static_cast<std::uint64_t>(seed.value_or(0)));
  if (!plan) return set_error(LLMROUTE_ERR_INVALID, plan.error());
  if (seed) plan->seed = static_cast<std::uint64_t>(*seed);
  const std::int32_t handle =
      g_calls.insert(std::make_unique<core::Call>(*router, std::move(*request), std::move(*plan)));
  if (handle < 0) return bad_input(handle, "too many calls in flight");
  g_result = "{}";
  return handle;
}

LLMROUTE_SIZE_OVER_SPEED std::int32_t router_health(std::int32_t router_handle, std::string_view text) {
  const auto* router = g_routers.get(router_handle);
  if (router == nullptr) return bad_handle("router");
  json doc;
  const auto now_ms = parse_json(text, doc) == JsonParseStatus::Ok ? find_int64(doc, "now_ms") : std::nullopt;
  if (!now_ms) return bad_input(LLMROUTE_ERR_BAD_JSON, "health needs {\"now_ms\": N}");
  g_result = (*router)->health().to_json(*now_ms);
  return LLMROUTE_OK;
}

std::int32_t call_step(std::int32_t call_handle, std::string_view text) {
  auto* call = g_calls.get(call_handle);
  if (call == nullptr) return bad_handle("call");
  auto event = parse_event(text);
  if (!event) return set_error(LLMROUTE_ERR_INVALID, event.error());
  const bool is_start = std::holds_alternative<core::ClientRequestReceived>(*event);
  if (is_start == (*call)->started()) {
    return bad_input(LLMROUTE_ERR_BAD_STATE, is_start ? "the call has already started"
                                                      : "the first event of a call must be client_request_received");
  }
  (*call)->handle(*event);
  return drain(**call);
}

std::int32_t call_feed(std::int32_t call_handle, std::int32_t attempt, std::string_view bytes) {
  auto* call = g_calls.get(call_handle);
  if (call == nullptr) return bad_handle("call");
  (*call)->feed(attempt, bytes);
  return drain(**call);
}

std::string_view view(const void* ptr, std::size_t len) {
  return ptr == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(ptr), len);
}

}  // namespace
}  // namespace llmroute

using namespace llmroute;

LLMROUTE_EXPORT(llmroute_abi_version) std::uint32_t llmroute_abi_version(void) noexcept { return LLMROUTE_ABI_VERSION; }
LLMROUTE_EXPORT(llmroute_alloc) void* llmroute_alloc(std::size_t size) noexcept { return std::malloc(size == 0 ? 1 : size); }
LLMROUTE_EXPORT(llmroute_free) void llmroute_free(void* ptr) noexcept { std::free(ptr); }
LLMROUTE_EXPORT(llmroute_router_new) LLMROUTE_SIZE_OVER_SPEED std::int32_t llmroute_router_new(const char* json_text, std::size_t len) noexcept {
  if (json_text == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return router_new(view(json_text, len));
}
LLMROUTE_EXPORT(llmroute_router_free) void llmroute_router_free(std::int32_t router) noexcept { g_routers.erase(router); }
LLMROUTE_EXPORT(llmroute_router_authenticate)
std::int32_t llmroute_router_authenticate(std::int32_t router, const char* api_key, std::size_t len) noexcept {
  if (api_key == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return router_authenticate(router, view(api_key, len));
}
LLMROUTE_EXPORT(llmroute_router_query) LLMROUTE_SIZE_OVER_SPEED
std::int32_t llmroute_router_query(std::int32_t router, const char* query, std::size_t len) noexcept {
  if (query == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return router_query(router, view(query, len));
}
LLMROUTE_EXPORT(llmroute_router_health) LLMROUTE_SIZE_OVER_SPEED
std::int32_t llmroute_router_health(std::int32_t router, const char* args, std::size_t len) noexcept {
  if (args == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return router_health(router, view(args, len));
}
LLMROUTE_EXPORT(llmroute_call_new)
std::int32_t llmroute_call_new(std::int32_t router, const char* meta, std::size_t meta_len, const char* body,
                               std::size_t body_len) noexcept {
  if ((meta == nullptr && meta_len > 0) || (body == nullptr && body_len > 0)) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return call_new(router, view(meta, meta_len), view(body, body_len));
}
LLMROUTE_EXPORT(llmroute_call_step) std::int32_t llmroute_call_step(std::int32_t call, const char* event, std::size_t len) noexcept {
  if (event == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return call_step(call, view(event, len));
}
LLMROUTE_EXPORT(llmroute_call_feed)
std::int32_t llmroute_call_feed(std::int32_t call, std::int32_t attempt, const std::uint8_t* bytes, std::size_t len) noexcept {
  if (bytes == nullptr && len > 0) return bad_input(LLMROUTE_ERR_BAD_JSON, "null input");
  return call_feed(call, attempt, view(bytes, len));
}
LLMROUTE_EXPORT(llmroute_call_free) void llmroute_call_free(std::int32_t call) noexcept { g_calls.erase(call); }
LLMROUTE_EXPORT(llmroute_result_ptr) const char* llmroute_result_ptr(void) noexcept { return g_result.data(); }
LLMROUTE_EXPORT(llmroute_result_len) std::size_t llmroute_result_len(void) noexcept { return g_result.size(); }
