#!/usr/bin/env python3
"""Writes the committed seeds of the FuzzedDataProvider targets (call_fuzz, abi_fuzz) and of the
stream target (stream_fuzz) from readable scenarios: tests/fuzz/make_seeds.py [corpus_dir] (default:
tests/fuzz/corpus beside this file).

A FuzzedDataProvider input is two streams in one file: strings are read from the front, integers
from the back. Enc below writes both the way FuzzedDataProvider reads them, and each scenario makes
the draws in exactly the order its harness makes them: change a harness's draws, change this too
(a stale seed still runs, it just stops meaning its scenario).
"""
import json
import os
import struct
import sys
import zlib

INT64_MAX = 2**63 - 1
INT64_MIN = -2**63


class Enc:
    def __init__(self):
        self.head = bytearray()
        self.tail = []  # integer bytes, in the order they are consumed (from the end of the file)

    def int(self, lo, hi, value, bits=32):
        """ConsumeIntegralInRange<T>(lo, hi) returning value; bits = 8 * sizeof(T)."""
        assert lo <= value <= hi, (lo, value, hi)
        span = (hi - lo) % 2**64
        v = (value - lo) % 2**64
        n = 0
        while n * 8 < bits and (span >> (n * 8)) > 0:
            n += 1
        for i in range(n):  # most significant first
            self.tail.append((v >> (8 * (n - 1 - i))) & 0xFF)
        return self

    def size(self, lo, hi, value):
        return self.int(lo, hi, value, bits=64)

    def bool(self, value):
        return self.int(0, 255, 1 if value else 0, bits=8)

    def pick(self, n, index):  # PickValueInArray of an n-element array
        return self.size(0, n - 1, index)

    def int64(self, value):  # ConsumeIntegral<int64_t>
        return self.int(INT64_MIN, INT64_MAX, value, bits=64)

    def int32(self, value):  # ConsumeIntegral<int32_t>
        return self.int(-2**31, 2**31 - 1, value, bits=32)

    def string(self, text):  # ConsumeRandomLengthString, ended by a backslash and one other byte
        data = text.encode() if isinstance(text, str) else text
        self.head += data.replace(b"\\", b"\\\\") + b"\\\n"
        return self

    def bytes(self):
        return bytes(self.head) + bytes(reversed(self.tail))


# ---- call_fuzz ------------------------------------------------------------------------------------
# routers(): 0 two targets, 1 retrying, 2 byok, 3 no provider key, 4 patient, 5 anthropic first,
#            6 budgets (its calls ask the ledger first)
# kRequests: 0 chat, 1 chat stream, 2 chat stream + usage, 3 openai/gpt-4o-mini, 4 models list; 5 = fuzzed
CALL_STATUSES = [200, 200, 200, 201, 204, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529]
N_ERROR_BODIES, N_SSE = 8, 17


class Call(Enc):
    def __init__(self, router, request, fuzzed_request=None, clock=0, seed=7):
        super().__init__()
        self.size(0, 6, router)
        self.size(0, 5, request)
        if request == 5:
            self.string(fuzzed_request)
        self.int(0, 1 << 30, clock, bits=64)
        self.int(0, 2**64 - 1, seed, bits=64)

    def op(self, n):
        return self.int(0, 14, n)

    def attempt(self, kind=0, value=0):  # 0 current, 5 previous, 6 next, 7 any (value)
        self.int(0, 7, kind)
        if kind == 7:
            self.int32(value)

    def status(self, status):
        if status in CALL_STATUSES:
            self.bool(True).pick(len(CALL_STATUSES), CALL_STATUSES.index(status))
        else:
            self.bool(False).int(100, 999, status)

    def responded(self, status, retry_after=None, attempt=0):
        self.op(0).attempt(attempt)
        self.status(status)
        if retry_after is None:
            self.int(0, 3, 2)
        elif retry_after <= 5000:
            self.int(0, 3, 0).int(0, 5000, retry_after, bits=64)
        else:
            self.int(0, 3, 1).int(0, INT64_MAX, retry_after, bits=64)
        return self

    def feed_answer(self, prompt=12, completion=3, cached=0):
        self.op(1).attempt(0)
        self.int(0, 6, 0)
        for n in (prompt, completion, cached):
            self.int(0, 3, 0).int(0, 100000, n, bits=64)
        return self

    def feed_anthropic(self, input_tokens=12, output_tokens=5):
        self.op(1).attempt(0)
        self.int(0, 6, 6).int64(input_tokens).int(0, 5000, output_tokens, bits=64)
        return self

    def feed_error(self, index):
        self.op(1).attempt(0)
        self.int(0, 6, 1).pick(N_ERROR_BODIES, index)
        return self

    def feed_text(self, text):
        self.op(2).attempt(0)
        self.int(0, 6, 4).string(text)
        return self

    def ended(self, attempt=0):
        self.op(3).attempt(attempt)
        return self

    def failed(self, timeout, attempt=0, value=0):
        self.op(4).attempt(attempt, value)
        self.bool(timeout)
        return self

    def timer(self):
        self.op(5).int(0, 3, 1, bits=64)
        return self

    def early_timer(self, until_deadline):  # fires at now, until_deadline ms before the deadline
        return self.op(7).int(0, until_deadline - 1, 0, bits=64)

    def wait(self, ms):
        self.op(8).int(0, 2, 1).int(0, 10000, ms, bits=64)
        return self

    def stream(self, events, end=True):
        self.op(10).int(0, 6, len(events))
        for e in events:
            self.pick(N_SSE, e)
        self.bool(end)
        return self

    def disconnect(self):
        return self.op(11)

    def restart(self):
        return self.op(12)

    def reserved(self):
        return self.op(13).bool(True)

    def refused(self, status=402, retry_after=None):
        self.op(14)
        if status == 402:
            self.bool(True)
        elif status == 429:
            self.bool(False).bool(True)
        else:
            self.bool(False).bool(False).int32(status)
        self.bool(True)  # code: budget_exceeded
        self.string("over budget")
        if retry_after is None:
            self.int(0, 3, 2)
        elif retry_after <= 5000:
            self.int(0, 3, 0).int(0, 5000, retry_after, bits=64)
        else:
            self.int(0, 3, 1).int(0, INT64_MAX, retry_after, bits=64)
        return self


def call_seeds():
    s = {}
    s["ok-first-try"] = Call(0, 0).responded(200).feed_answer().ended()
    s["retry-500-then-ok"] = (Call(0, 0).responded(500).feed_error(3).ended().timer()
                              .responded(200).feed_answer(100, 20, 50).ended())
    s["rate-limited-everywhere"] = (Call(1, 0).responded(429, 300).feed_error(0).ended().timer()
                                    .responded(429, 5000).ended().wait(3000).timer().timer().timer())
    s["openai-stream"] = Call(0, 2).stream([0, 1, 2, 3])
    s["anthropic-stream"] = Call(5, 2).stream([8, 9, 10, 11, 12, 13], end=False).stream([14, 15])
    s["anthropic-answer"] = Call(5, 0).responded(200).feed_anthropic().ended()
    s["timeouts-to-the-end"] = Call(1, 0).failed(True).timer().failed(False).timer().timer().timer().timer()
    s["patient-ten-timeouts"] = Call(4, 0).timer().timer().timer().timer().timer().timer().timer().timer()
    s["stream-then-client-leaves"] = Call(0, 1).responded(200).feed_text("data: {\"choices\":[]}\n\n").disconnect()
    s["byok-401-then-ok"] = Call(2, 0).responded(401).feed_error(2).ended().responded(200).feed_answer().ended()
    s["stale-and-early-events"] = (Call(0, 4).responded(200, attempt=5).failed(False, 7, 99).early_timer(5000).restart()
                                   .responded(503).ended().timer().responded(200).feed_answer().ended())
    s["no-usable-target"] = Call(3, 0).timer()
    s["budget-reserved-then-ok"] = Call(6, 0).reserved().responded(200).feed_answer(10, 5).ended()
    s["budget-refused"] = Call(6, 3).refused(402)
    s["rate-limit-refused"] = Call(6, 0).timer().refused(429, 1500)
    s["fuzzed-request-direct"] = (Call(1, 5, '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"x"}],'
                                  '"stream":true,"stream_options":{"include_usage":true}}').stream([0, 4]))
    # Fixed crashes: each input reproduces its bug on the code before the fix.
    # issue-1: an upstream status above 599 was passed to the client, and new Response() throws on it.
    s["issue-1-upstream-status-6xx"] = Call(0, 0).responded(700).feed_error(3).ended()
    # issue-3: the retry-after of an all-429 answer was rounded up as (ms + 999) / 1000, which overflows
    # int64 for a provider's retry-after-ms of 9223372036854775807 (UBSan).
    s["issue-3-retry-after-overflow"] = Call(0, 0).responded(429, INT64_MAX).ended().responded(429, INT64_MAX).ended()
    # issue-4: the same rounding on the ledger's refusal: budget_refused with retry_after_ms 2^63 - 1.
    s["issue-4-refusal-retry-after-overflow"] = Call(6, 0).refused(429, INT64_MAX)
    return s


# ---- abi_fuzz -------------------------------------------------------------------------------------
# router_documents(): 0 keys+cors, 1 small limits, authenticated, 2 invalid, 3 env problem, 4 no
# environment, 5 truncated, 6 too deep, 7 budgets and a rate limit
ABI_EVENTS = ["client_request_received", "upstream_responded", "upstream_ended", "upstream_failed",
              "timer_fired", "client_disconnected", "bogus", "budget_reserved", "budget_refused"]
ABI_STATUSES = [200, 200, 200, 400, 401, 404, 408, 429, 500, 503, 504]


class Abi(Enc):
    """Tracks just enough state (how many routers, calls, freed routers) to draw like the harness."""

    def __init__(self):
        super().__init__()
        self.routers, self.freed, self.calls = 0, 0, []

    def op(self, n):
        return self.int(0, 13, n)

    def router_new(self, doc):
        self.op(0).size(0, 7, doc)
        if doc in (0, 1, 7):
            self.routers += 1
        return self

    def router_new_text(self, text):
        self.op(1).string(text)
        return self

    def pick_router(self, kind="live", index=0, value=0):
        if kind == "freed":
            self.int(0, 5, 0).size(0, self.freed - 1, index)
        elif kind == "any":
            self.int(0, 5, 1).int32(value)
        else:
            self.int(0, 5, 3)
            if self.routers:
                self.size(0, self.routers - 1, index)

    def authenticate(self, key, router="live"):
        self.op(2).pick_router(router)
        if key in (0, 1):
            self.int(0, 3, key)
        else:
            self.int(0, 3, 2).string(key)
        return self

    def call_new(self, meta=0, body=0, router="live", spaces=None, created=True):
        self.op(3).pick_router(router)
        self.int(0, 5, meta)
        if spaces is not None:
            self.int(0, 3, 2).size(0, 2048, spaces)
        else:
            self.int(0, 3, 0).pick(8, body)
        if created:
            self.calls.append(False)  # not started
        return self

    def pick_call(self, index=0, value=None):
        if value is not None:
            self.int(0, 7, 0).bool(True).int32(value)
        else:
            self.int(0, 7, 1)
            self.size(0, len(self.calls) - 1, index)

    def step(self, event, time=("same",), attempt="current", status=None, headers=None, cause="network", seed=1,
             call=0, retry_after=None):
        self.op(5).pick_call(call)
        started = self.calls[call]
        if started:
            self.pick(len(ABI_EVENTS), ABI_EVENTS.index(event))
        elif event == "client_request_received":
            self.bool(False)
        else:
            self.bool(True).pick(len(ABI_EVENTS), ABI_EVENTS.index(event))
        kind = time[0]
        if kind == "deadline":
            self.int(0, 9, 0)
        elif kind == "plus":
            self.int(0, 9, 1).int(0, 100000, time[1], bits=64)
        elif kind == "any":
            self.int(0, 9, 2).int64(time[1])
        else:
            self.int(0, 9, 9)
        self.int(0, 5, {"previous": 0, "none": 2, "current": 3}[attempt])
        if event == "upstream_responded":
            if status in ABI_STATUSES:
                self.bool(True).pick(len(ABI_STATUSES), ABI_STATUSES.index(status))
            else:
                self.bool(False).int32(status)
            if headers is None:
                self.int(0, 5, 4)
            else:
                self.int(0, 5, 0 if headers[0] == "retry-after" else 1).string(headers[1])
        elif event == "upstream_failed":
            self.bool(cause == "network")
        elif event == "client_request_received":
            self.int64(seed)
            self.calls[call] = True
        elif event == "budget_reserved":
            self.bool(True)
        elif event == "budget_refused":
            self.int(0, 3, 0)  # http_status 429
            self.bool(False)  # no code and message
            if retry_after is None:
                self.bool(False)
            else:
                self.bool(True).int64(retry_after)
        return self

    def step_raw(self, text, call=0, starts=False):
        self.op(8).pick_call(call)
        self.string(text)
        if starts:
            self.calls[call] = True
        return self

    def feed(self, body=0, spaces=None, text=None, call=0):
        self.op(9).pick_call(call)
        self.int(0, 3, 1)
        if text is not None:
            self.int(0, 2, 2).string(text)
        elif spaces is not None:
            self.int(0, 2, 1).size(0, 2048, spaces)
        else:
            self.int(0, 2, 0).pick(7, body)
        return self

    def free_call(self, call=0, value=None):
        self.op(11).pick_call(call, value)
        return self

    def free_router(self):
        self.op(12).pick_router("live")
        self.routers -= 1
        self.freed += 1
        return self


def abi_seeds():
    s = {}
    s["answered"] = (Abi().router_new(0).call_new(0, 0).step("client_request_received")
                     .step("upstream_responded", ("plus", 800), status=200).feed(0)
                     .step("upstream_ended", ("plus", 5)))
    s["stream-and-disconnect"] = (Abi().router_new(0).call_new(1, 1).step("client_request_received")
                                  .step("upstream_responded", status=200).feed(3).feed(4)
                                  .step("client_disconnected"))
    s["rate-limited-retry-after"] = (Abi().router_new(1).call_new(0, 0).step("client_request_received")
                                     .step("upstream_responded", status=429, headers=("retry-after", "0.25"))
                                     .feed(1).step("upstream_ended").step("timer_fired", ("deadline",))
                                     .step("upstream_failed", cause="timeout").step("timer_fired", ("deadline",))
                                     .step("upstream_responded", status=503, headers=("retry-after-ms", "x"))
                                     .step("upstream_ended").step("timer_fired", ("plus", 100000)))
    s["bad-documents"] = (Abi().router_new_text('{"config":{},"environment":{}}').router_new(2).router_new(3)
                          .router_new(4).router_new(5).router_new(6).authenticate("nobody", router="live"))
    s["handles"] = (Abi().router_new(0).authenticate(0).authenticate(1).authenticate("sk-wrong").free_router()
                    .authenticate(0, router="freed").call_new(0, 0, router="freed", created=False)
                    .router_new(1).call_new(1, spaces=1500, created=False).call_new(0, 3, created=False)
                    .call_new(0, 0).free_call(0).free_call(0).step_raw('{"type":"timer_fired","now_ms":1}')
                    .free_call(value=12345))
    s["raw-events"] = (Abi().router_new(0).call_new(0, 5).step_raw('{"type":"upstream_ended","now_ms":1}')
                       .step_raw('{"type":"client_request_received","now_ms":1700000000000,"seed":-1}', starts=True)
                       .step_raw('{"type":"upstream_responded","now_ms":1e3,"attempt":1,"status":99}')
                       .step_raw('[{"type":"bogus"}]').feed(text="\xff\xfe not utf-8", call=0)
                       .feed(spaces=2048).step("upstream_ended", attempt="previous"))
    s["budget-reserved"] = (Abi().router_new(7).call_new(0, 0).step("client_request_received")
                            .step("budget_reserved").step("upstream_responded", status=200).feed(0).step("upstream_ended"))
    s["budget-refused"] = (Abi().router_new(7).call_new(0, 0).step("client_request_received")
                           .step("timer_fired").step("budget_refused", retry_after=61000))
    # Fixed crashes: each input reproduces its bug on the code before the fix.
    # issue-2: an event's now_ms anywhere in int64 overflowed the call's time arithmetic (UBSan).
    s["issue-2-event-now-ms-overflow"] = (Abi().router_new(0).call_new(0, 0).step("client_request_received")
                                          .step("client_disconnected", ("any", INT64_MIN)))
    return s


# ---- stream_fuzz: an upstream body, then a 4-byte little-endian control word ---------------------
# Bits 0-3: the provider, by registry order (ALL: every provider in turn); bit 4: the client asked for
# usage; bits 5-6: the split scale (0 byte by byte, 1 up to 7 bytes, 2 up to 64, 3 up to 1024);
# bits 8-31: the seed of the split points.
PROVIDERS = ["openai", "anthropic", "google-ai-studio", "groq", "mistral", "deepseek", "grok", "openrouter",
             "perplexity-ai", "azure-openai", "workers-ai", "cohere", "aws-bedrock"]
ALL = 15


def control(provider=ALL, usage=True, scale=1, seed=1):
    index = provider if isinstance(provider, int) else PROVIDERS.index(provider)
    return struct.pack("<I", index | (usage << 4) | (scale << 5) | (seed << 8))


def sse(*events):
    """SSE text: each event a (name, data) pair, or data alone; dict data is written as JSON."""
    out = b""
    for event in events:
        name, data = event if isinstance(event, tuple) else (None, event)
        if not isinstance(data, (bytes, str)):
            data = json.dumps(data, separators=(",", ":"))
        if isinstance(data, str):
            data = data.encode()
        out += (b"event: " + name.encode() + b"\n" if name else b"") + b"data: " + data + b"\n\n"
    return out


def frame(headers, payload):
    """One AWS event-stream message: prelude, its CRC, string headers (type 7), payload, message CRC."""
    head = b""
    for name, value in headers.items():
        raw = value.encode("utf-8", "surrogateescape")  # "\udcff" is the byte 0xFF
        head += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(raw)) + raw
    body = json.dumps(payload, separators=(",", ":")).encode() if not isinstance(payload, bytes) else payload
    total = 12 + len(head) + len(body) + 4
    prelude = struct.pack(">II", total, len(head))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + head + body
    return message + struct.pack(">I", zlib.crc32(message))


def bedrock_event(kind, payload):
    return frame({":event-type": kind, ":content-type": "application/json", ":message-type": "event"}, payload)


def openai_chunk(delta, finish=None, **extra):
    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini",
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    chunk.update(extra)
    return chunk


def stream_seeds():
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    s = {}
    s["openai-text-usage"] = sse(openai_chunk({"role": "assistant", "content": ""}), openai_chunk({"content": "Hi"}),
                                 openai_chunk({}, "stop"), dict(openai_chunk({}), choices=[], usage=usage),
                                 "[DONE]") + control("openai", scale=0)
    s["openai-tool-call"] = sse(openai_chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                                             "function": {"name": "f", "arguments": ""}}]}),
                                openai_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"a\":1}"}}]}),
                                openai_chunk({}, "tool_calls"), "[DONE]") + control(ALL, scale=2, seed=7)
    s["openai-error-event"] = sse(openai_chunk({"content": "a"}),
                                  {"error": {"message": "The server had an error", "type": "server_error"}}) + control()
    # issue-7 bug B: bytes that are not UTF-8 inside stream events (a truncated euro sign, 0xFF).
    s["issue-7-not-utf8"] = (sse(openai_chunk({"content": "caf\u00e9"})) + b'data: {"choices":[{"delta":{"content":"\xff\xe2\x82"}}]}\n\n'
                             + b"event: \xc0\xaf\ndata: \xed\xa0\x80\n\n" + control(ALL, scale=0))
    # issue-7 bug C: token counts past int64's comfort, negative, and fractional.
    huge = 9223372036854775807
    s["issue-7-huge-usage"] = (sse(dict(openai_chunk({}), choices=[], usage={"prompt_tokens": huge, "completion_tokens": -4,
                                                                             "prompt_tokens_details": {"cached_tokens": huge},
                                                                             "completion_tokens_details": {"reasoning_tokens": huge}}),
                                   ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                                      "usage": {"input_tokens": huge, "output_tokens": huge,
                                                                "cache_read_input_tokens": huge}}),
                                   {"usageMetadata": {"promptTokenCount": huge, "candidatesTokenCount": huge,
                                                      "thoughtsTokenCount": huge}}, "[DONE]")
                               + control(ALL, scale=2))
    s["anthropic-tool-use"] = sse(
        ("message_start", {"type": "message_start", "message": {"id": "msg_1", "model": "claude-x", "role": "assistant",
                                                                "usage": {"input_tokens": 10, "output_tokens": 1}}}),
        ("ping", {"type": "ping"}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me"}}),
        ("content_block_start", {"type": "content_block_start", "index": 1,
                                 "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta", "partial_json": "{\"city\":"}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta", "partial_json": "\"Paris\"}"}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 20}}),
        ("message_stop", {"type": "message_stop"})) + control("anthropic", scale=0)
    s["anthropic-thinking-error"] = sse(
        ("message_start", {"type": "message_start", "message": {"id": "msg_2", "model": "claude-x"}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hm"}}),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})) + control("anthropic")
    s["gemini-text"] = sse(
        {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}}], "modelVersion": "gemini-x", "responseId": "r1"},
        {"candidates": [{"content": {"parts": [{"text": "lo", "thought": True}, {"functionCall": {"name": "f", "args": {"a": 1}},
                                                                                  "thoughtSignature": "c2ln"}]},
                         "finishReason": "STOP"}],
         "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2, "thoughtsTokenCount": 1, "totalTokenCount": 8}}) + control(
        "google-ai-studio", scale=0)
    s["groq-x-groq-usage"] = sse(openai_chunk({"role": "assistant", "content": "a"}),
                                 dict(openai_chunk({}, "stop"), x_groq={"id": "req_1", "usage": usage}), "[DONE]") + control("groq")
    s["mistral-padding"] = sse(dict(openai_chunk({"content": "x"}), p="abcdef"), openai_chunk({}, "model_length"),
                               "[DONE]") + control("mistral", scale=0)
    s["perplexity-done-object"] = sse(dict(openai_chunk({"content": "x"}), usage=usage, citations=["https://example.com"]),
                                      dict(openai_chunk({}, "stop"), object="chat.completion.done", usage=usage)) + control(
        "perplexity-ai")
    s["openrouter-error-after-start"] = sse(": OPENROUTER PROCESSING", openai_chunk({"content": "a"}),
                                            dict(openai_chunk({}, "error"), error={"code": 502, "message": "upstream died"}),
                                            "[DONE]") + control("openrouter")
    s["workers-ai-native"] = sse({"response": "Hi"}, {"response": "", "tool_calls": [{"name": "f", "arguments": {"a": 1}}]},
                                 {"response": "", "usage": usage}, "[DONE]") + control("workers-ai", scale=0)
    s["azure-filter-first"] = sse({"choices": [], "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]},
                                  openai_chunk({"role": "assistant", "content": "ok"}), openai_chunk({}, "stop"),
                                  "[DONE]") + control("azure-openai")
    s["cohere-stream"] = sse(
        ("message-start", {"id": "c1", "type": "message-start", "delta": {"message": {"role": "assistant"}}}),
        ("content-delta", {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Arr"}}}}),
        ("tool-call-start", {"type": "tool-call-start", "index": 0, "delta": {"message": {"tool_calls": {
            "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}}}}),
        ("tool-call-delta", {"type": "tool-call-delta", "index": 0, "delta": {"message": {"tool_calls": {
            "function": {"arguments": "{}"}}}}}),
        ("message-end", {"type": "message-end", "delta": {"finish_reason": "TOOL_CALL", "usage": {
            "billed_units": {"input_tokens": 5, "output_tokens": 2}, "tokens": {"input_tokens": 70, "output_tokens": 2}}}}),
        "[DONE]") + control("cohere", scale=0)
    s["bedrock-text-tool-usage"] = (bedrock_event("messageStart", {"p": "abc", "role": "assistant"})
                                    + bedrock_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
                                    + bedrock_event("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolUse": {
                                        "toolUseId": "tu1", "name": "f"}}})
                                    + bedrock_event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{}"}}})
                                    + bedrock_event("contentBlockStop", {"contentBlockIndex": 1})
                                    + bedrock_event("messageStop", {"stopReason": "tool_use"})
                                    + bedrock_event("metadata", {"usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7},
                                                                 "metrics": {"latencyMs": 100}})
                                    + control("aws-bedrock", scale=0))
    s["bedrock-exception"] = (bedrock_event("messageStart", {"role": "assistant"})
                              + frame({":exception-type": "throttlingException", ":content-type": "application/json",
                                       ":message-type": "exception"}, {"message": "Too many requests"})
                              + control("aws-bedrock", scale=1))
    # An error message in a header is raw bytes: not UTF-8 here, so it must be repaired when written.
    s["bedrock-error-header-not-utf8"] = (frame({":message-type": "error", ":error-code": "InternalFailure",
                                                 ":error-message": "bad \udcff"}, b"")
                                          + control(ALL, scale=0))
    return s


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    count = 0
    for target, seeds in (("call", call_seeds()), ("abi", abi_seeds()), ("stream", stream_seeds())):
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, seed in seeds.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(seed if isinstance(seed, bytes) else seed.bytes())
            count += 1
    print("wrote", count, "seeds under", root)


if __name__ == "__main__":
    main()
