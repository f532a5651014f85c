/* llmroute.h: the C ABI of the llmroute core, the one interface the Worker relies on.
 *
 * The core is sans-I/O: it never reads a clock, the network or the environment. The caller feeds
 * it facts (events, with the time) and performs the actions it returns.
 *
 * Memory and ownership
 *   - Inputs: the caller allocates with llmroute_alloc, writes the bytes, passes pointer and length,
 *     and frees them after the call. The module only reads them during the call.
 *   - Results: every call except alloc/free/abi_version leaves a UTF-8 JSON document in a
 *     module-owned buffer, read with llmroute_result_ptr/llmroute_result_len. It stays valid until
 *     the next call into the module: copy it out before anything else runs. It is always valid
 *     UTF-8: upstream bytes that are not are written with U+FFFD in their place.
 *   - Handles (routers, calls) are positive integers with a generation count: a freed or stale
 *     handle is an error (LLMROUTE_ERR_BAD_HANDLE), never a dangling pointer.
 *
 * Errors are values: a negative return code, and the result then holds
 *   {"error":{"message":..., "type":..., "param":..., "code":..., "http_status":N, "problems":[...]?}}
 * (problems: for an invalid config, one {"path","message"} per problem). No input aborts the module.
 *
 * No 64-bit integers or floats cross the boundary (a standalone module's int64 is a JS BigInt);
 * times and money travel inside the JSON, exact up to 2^53.
 *
 * Documents
 *   router_new input : {"config": <routing config>, "catalog": <price catalog, optional>,
 *                       "environment": {"gateway_base_url": "...",
 *                        "secrets_set": ["OPENAI_API_KEY", ...],   (names of the Worker's non-empty
 *                                                                    string bindings: never a value)
 *                        "aws_credentials": {"access_key_id","secret_access_key","session_token"?}?}}
 *                      (the one exception: the values SigV4 signs Bedrock requests with; they are
 *                      written into no result)
 *   router_new result: {"max_body_bytes":N,"max_header_bytes":N,"cors_origins":[...],
 *                      "secret_names":[...]}: what the Worker checks before the core sees a request,
 *                      and the secrets whose values it scrubs from every answer
 *   router_authenticate result: {"key":{"name":"...","admin":bool}}
 *   router_health input : {"now_ms":N}
 *   router_health result: {"circuit_breaker":{"failures","window_ms","cooldown_ms"}|null (null: off),
 *                      "targets":[{"target":"provider/model","state":"closed"|"open"|"half_open",
 *                        "attempts","failures","failure_rate_percent" (of the current window),
 *                        "latency_ms"|null (moving average to a successful answer's head),
 *                        "last_error"|null (an attempt reason, e.g. "status_529"),"open_until_ms"|null}]}
 *   call_new input   : the request's metadata {"api_key":"<as presented>", "metadata"?: {flat name:
 *                      string entries, at most 16, for conditional routes}, "seed"?: N (fixes the
 *                      call's random draws: same seed, config and request => same decisions)} and,
 *                      separately, the client's chat completion body, as received
 *   call_step events : (an "attempt" must fit int32, as in llmroute_call_feed)
 *                      {"type":"client_request_received","now_ms":N,"seed":N}
 *                      {"type":"upstream_responded","attempt":N,"now_ms":N,"status":N,"headers":{...}}
 *                        (headers read: retry-after, retry-after-ms, x-amzn-errortype (Bedrock's
 *                        error class); others are ignored)
 *                      {"type":"upstream_ended","attempt":N,"now_ms":N}
 *                      {"type":"upstream_failed","attempt":N,"now_ms":N,"cause":"network"|"timeout"}
 *                      {"type":"timer_fired","now_ms":N}
 *                      {"type":"client_disconnected","now_ms":N}
 *                      {"type":"budget_reserved","now_ms":N,"reservation_id":"..."}
 *                      {"type":"budget_refused","now_ms":N,"http_status":402|429,"code","message",
 *                        "retry_after_ms"?}
 *   call_step/feed result: {"actions":[...],"deadline_ms":N|null,"done":bool}, actions being
 *                      {"type":"send_upstream","attempt","url","method","headers":{},"secret_headers":
 *                        [{"name","secret","prefix"}],"body","deadline_ms"}
 *                      {"type":"cancel_upstream","attempt"}
 *                      {"type":"reserve_budget","key","amount_micro_usd","requests_per_minute",
 *                        "tokens_per_minute","estimated_tokens","now_ms",
 *                        "checks":[{"scope","window","window_start_ms","window_end_ms","limit_micro_usd"}]}
 *                        (ask the ledger; answer with budget_reserved or budget_refused; the
 *                        result's deadline_ms is then the request's: past it the call answers 504)
 *                      {"type":"respond","status","headers":{},"body"}          (a whole answer)
 *                      {"type":"respond_head","status","headers":{}}            (a stream begins,
 *                      {"type":"respond_bytes","bytes"}  ...  {"type":"respond_end"}   then goes on)
 *                      {"type":"record_usage","key","route","provider","model","status","outcome","attempts",
 *                        "prompt_tokens","completion_tokens","cached_prompt_tokens",
 *                        "cache_write_prompt_tokens","reasoning_tokens","cost_micro_usd",
 *                        "cost_status","rate_set","price_version","reservation_id","cache_write_1h_prompt_tokens",
 *                        "latency_ms","fallback_reasons":[{"provider","model","reason","count"}]}
 *                        (fallback_reasons: why the call moved past targets, counted per target and
 *                        reason: each skipped candidate, and each failed attempt that another attempt
 *                        followed; the reason is the x-llmroute-attempts header's token, e.g.
 *                        "status_503", "timeout", "network", "malformed_answer", "circuit_open",
 *                        "no_tools_support". Empty for a one-attempt answer with no skip and for a
 *                        request refused by a budget or rate limit; at most 16 entries)
 *   secret_headers name a Worker secret; the Worker puts "<prefix><value>" in that header at fetch
 *   time, so secret values never enter the module.
 */
#ifndef LLMROUTE_H
#define LLMROUTE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define LLMROUTE_NOEXCEPT noexcept
extern "C" {
#else
#define LLMROUTE_NOEXCEPT
#endif

#define LLMROUTE_ABI_VERSION 1u

#define LLMROUTE_OK 0
#define LLMROUTE_ERR_BAD_JSON (-1)    /* input is not valid JSON / UTF-8, or nests too deep */
#define LLMROUTE_ERR_INVALID (-2)     /* valid JSON, wrong content: a bad request or config */
#define LLMROUTE_ERR_BAD_HANDLE (-3)  /* unknown, freed or stale handle */
#define LLMROUTE_ERR_BAD_STATE (-4)   /* an event that makes no sense now, e.g. before the start */
#define LLMROUTE_ERR_TOO_LARGE (-5)   /* input over a configured limit */
#define LLMROUTE_ERR_NO_MEMORY (-6)

uint32_t llmroute_abi_version(void) LLMROUTE_NOEXCEPT;

void* llmroute_alloc(size_t size) LLMROUTE_NOEXCEPT; /* NULL when out of memory */
void llmroute_free(void* ptr) LLMROUTE_NOEXCEPT;

/* Returns a router handle > 0, or an error code. */
int32_t llmroute_router_new(const char* json, size_t len) LLMROUTE_NOEXCEPT;
void llmroute_router_free(int32_t router) LLMROUTE_NOEXCEPT;

/* Checks a presented client key (for endpoints without a call). 0, or an error (401). */
int32_t llmroute_router_authenticate(int32_t router, const char* api_key, size_t len) LLMROUTE_NOEXCEPT;

/* Answers a question about the router, for endpoints without a call. The input names it:
     {"query":"what_if","route":"chat","requests":N,"usage":{"prompt_tokens","completion_tokens",
      "cached_prompt_tokens","cache_write_prompt_tokens","reasoning_tokens"}}
       -> {"route","candidates":[{"target":"provider/model","cost_micro_usd":N|null,"cost_status",
           "rate_set"}]}: what that usage would have cost on each target of the route.
   0, or an error (unknown query or route: LLMROUTE_ERR_INVALID with http_status 400 or 404). */
int32_t llmroute_router_query(int32_t router, const char* json, size_t len) LLMROUTE_NOEXCEPT;

/* The router's target health (circuit breakers, latency, recent failures) as JSON; 0 or an error.
   Every call of a router feeds it; it lives as long as the router. */
int32_t llmroute_router_health(int32_t router, const char* args_json, size_t len) LLMROUTE_NOEXCEPT;

/* Authenticates, parses and plans a client request. Returns a call handle > 0, or an error code;
   the error's http_status is what the client should be answered (400, 401, 403, 404, 413). The call
   keeps its router alive. */
int32_t llmroute_call_new(int32_t router, const char* meta_json, size_t meta_len, const char* body,
                          size_t body_len) LLMROUTE_NOEXCEPT;
/* Feeds one event; the result lists the actions to perform now. */
int32_t llmroute_call_step(int32_t call, const char* event_json, size_t len) LLMROUTE_NOEXCEPT;
/* Feeds body bytes of an upstream attempt's answer, raw. */
int32_t llmroute_call_feed(int32_t call, int32_t attempt, const uint8_t* bytes, size_t len) LLMROUTE_NOEXCEPT;
void llmroute_call_free(int32_t call) LLMROUTE_NOEXCEPT;

const char* llmroute_result_ptr(void) LLMROUTE_NOEXCEPT;
size_t llmroute_result_len(void) LLMROUTE_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* LLMROUTE_H */
