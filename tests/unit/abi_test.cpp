// The C ABI as the Worker uses it: handles, ownership, and errors as values for any input.
#include "llmroute.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "support/core_harness.hpp"
#include "util/sha256.hpp"

using llmroute::json;

namespace {

std::string result() { return std::string(llmroute_result_ptr(), llmroute_result_len()); }

json result_json() {
  json doc = json::parse(result(), nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << result();
  return doc;
}

std::int32_t router_new(const std::string& text) { return llmroute_router_new(text.data(), text.size()); }

// The client key of these tests, and its SHA-256 as the config stores it.
constexpr const char* kClientKey = "llmr_abi_test_key";

json config_with_key() {
  json config = json::parse(llmroute::test_support::kTwoTargetConfig);
  config["keys"] = json::array({{{"name", "abi-tests"}, {"sha256", llmroute::to_hex(llmroute::sha256(kClientKey))}}});
  return config;
}

std::int32_t call_new(std::int32_t router, const std::string& body, const std::string& key = kClientKey) {
  const std::string meta = json{{"api_key", key}}.dump();
  return llmroute_call_new(router, meta.data(), meta.size(), body.data(), body.size());
}

std::int32_t good_router() {
  json doc;
  doc["config"] = config_with_key();
  doc["environment"] = {{"gateway_base_url", "http://127.0.0.1:9/v1/a/g"}, {"secrets_set", {"OPENAI_API_KEY"}}};
  const std::int32_t handle = router_new(doc.dump());
  EXPECT_GT(handle, 0) << result();
  return handle;
}

std::int32_t step(std::int32_t call, const std::string& event) { return llmroute_call_step(call, event.data(), event.size()); }

}  // namespace

TEST(Abi, VersionMatchesTheHeader) { EXPECT_EQ(llmroute_abi_version(), LLMROUTE_ABI_VERSION); }

TEST(Abi, InvalidConfigListsEveryProblemWithItsPath) {
  json doc;
  doc["config"] = json::parse(R"({"routes":{"chat":{"targets":[{"model":"openai"},"nosuch/m"]}},"typo":1})");
  doc["environment"] = {{"gateway_base_url", ""}};
  EXPECT_EQ(router_new(doc.dump()), LLMROUTE_ERR_INVALID);
  const json out = result_json();
  EXPECT_EQ(out["error"]["type"], "invalid_config");
  EXPECT_EQ(out["error"]["http_status"], 500);
  std::vector<std::string> paths;
  for (const auto& p : out["error"]["problems"]) paths.push_back(p["path"]);
  EXPECT_EQ(paths, (std::vector<std::string>{"$.typo", "$.routes.chat.targets[0].model", "$.routes.chat.targets[1]",
                                             "environment.gateway_base_url"}));
}

TEST(Abi, RouterInputThatIsNotJson) {
  EXPECT_EQ(router_new("{not json"), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(result_json()["error"]["code"], "bad_abi_input");
  EXPECT_EQ(router_new(""), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(router_new(std::string(100000, '{')), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(llmroute_router_new(nullptr, 5), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(router_new("[]"), LLMROUTE_ERR_INVALID);
}

TEST(Abi, AFullCallThroughTheExports) {
  const std::int32_t router = good_router();
  const std::string body = llmroute::test_support::kHelloRequest;
  const std::int32_t call = call_new(router, body);
  ASSERT_GT(call, 0) << result();

  ASSERT_EQ(step(call, R"({"type":"client_request_received","now_ms":1000,"seed":42})"), LLMROUTE_OK);
  json out = result_json();
  ASSERT_EQ(out["actions"].size(), 1u);
  const json& send = out["actions"][0];
  EXPECT_EQ(send["type"], "send_upstream");
  EXPECT_EQ(send["attempt"], 1);
  EXPECT_EQ(send["method"], "POST");
  EXPECT_EQ(send["url"], "http://127.0.0.1:9/v1/a/g/openai/chat/completions");
  EXPECT_EQ(send["headers"]["content-type"], "application/json");
  EXPECT_EQ(send["secret_headers"][0]["secret"], "OPENAI_API_KEY");
  EXPECT_EQ(json::parse(send["body"].get<std::string>())["model"], "gpt-4o-mini");
  EXPECT_EQ(out["deadline_ms"], 6000);
  EXPECT_EQ(out["done"], false);

  ASSERT_EQ(step(call, R"({"type":"upstream_responded","attempt":1,"now_ms":1010,"status":503,"headers":{"Retry-After":"0.5"}})"), 0);
  const std::string error_body = R"({"error":{"message":"overloaded"}})";
  ASSERT_EQ(llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(error_body.data()), error_body.size()), 0);
  ASSERT_EQ(step(call, R"({"type":"upstream_ended","attempt":1,"now_ms":1012})"), 0);
  out = result_json();
  EXPECT_TRUE(out["actions"].empty());
  const std::int64_t wake = out["deadline_ms"];
  EXPECT_GE(wake, 1012 + 500);  // retry-after 0.5 s is longer than the 100 ms backoff step

  ASSERT_EQ(step(call, R"({"type":"timer_fired","now_ms":)" + std::to_string(wake) + "}"), 0);
  out = result_json();
  ASSERT_EQ(out["actions"][0]["attempt"], 2);

  ASSERT_EQ(step(call, R"({"type":"upstream_responded","attempt":2,"now_ms":2000,"status":200,"headers":{}})"), 0);
  const std::string answer = llmroute::test_support::openai_answer(1000, 500);
  // Bytes arrive split anywhere; the core reassembles them.
  for (std::size_t i = 0; i < answer.size(); i += 7) {
    const std::string piece = answer.substr(i, 7);
    ASSERT_EQ(llmroute_call_feed(call, 2, reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()), 0);
  }
  ASSERT_EQ(step(call, R"({"type":"upstream_ended","attempt":2,"now_ms":2030})"), 0);
  out = result_json();
  ASSERT_EQ(out["actions"].size(), 2u);
  const json& respond = out["actions"][0];
  EXPECT_EQ(respond["type"], "respond");
  EXPECT_EQ(respond["status"], 200);
  EXPECT_EQ(json::parse(respond["body"].get<std::string>())["usage"]["llmroute_cost_status"], "measured");
  EXPECT_EQ(respond["headers"]["x-llmroute-cost-usd"], "0.000450");
  const json& record = out["actions"][1];
  EXPECT_EQ(record["type"], "record_usage");
  EXPECT_EQ(record["cost_micro_usd"], 450);
  EXPECT_EQ(record["cost_status"], "measured");
  EXPECT_EQ(record["attempts"], 2);
  EXPECT_EQ(record["latency_ms"], 1030);
  EXPECT_EQ(record["fallback_reasons"], json::parse(R"([{"provider":"openai","model":"gpt-4o-mini","reason":"status_503","count":1}])"));
  EXPECT_EQ(out["done"], true);

  llmroute_call_free(call);
  EXPECT_EQ(step(call, R"({"type":"timer_fired","now_ms":1})"), LLMROUTE_ERR_BAD_HANDLE);
  llmroute_call_free(call);  // freeing twice is harmless
  llmroute_router_free(router);
}

TEST(Abi, BadRequestsBecomeClientErrors) {
  const std::int32_t router = good_router();
  struct Case { std::string body; std::int32_t rc; int status; const char* code; };
  const Case cases[] = {
      {"", LLMROUTE_ERR_INVALID, 400, "empty_body"},
      {"{oops", LLMROUTE_ERR_BAD_JSON, 400, "invalid_json"},
      {std::string(200, '[') + std::string(200, ']'), LLMROUTE_ERR_BAD_JSON, 400, "json_too_deep"},
      {R"({"model":"chat"})", LLMROUTE_ERR_INVALID, 400, "missing_required_parameter"},
      {R"({"model":"nope","messages":[{"role":"user","content":"x"}]})", LLMROUTE_ERR_INVALID, 404, "model_not_found"},
      {std::string(2 << 20, ' '), LLMROUTE_ERR_TOO_LARGE, 413, "request_too_large"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(call_new(router, c.body), c.rc) << c.code;
    const json out = result_json();
    EXPECT_EQ(out["error"]["http_status"], c.status) << c.code;
    EXPECT_EQ(out["error"]["code"], c.code) << out.dump();
    EXPECT_TRUE(out["error"].contains("message"));
  }
  llmroute_router_free(router);
}

TEST(Abi, StaleHandlesAndBadEventsAreErrors) {
  const std::int32_t router = good_router();
  llmroute_router_free(router);
  const std::string body = llmroute::test_support::kHelloRequest;
  EXPECT_EQ(call_new(router, body), LLMROUTE_ERR_BAD_HANDLE);
  EXPECT_EQ(call_new(0, body), LLMROUTE_ERR_BAD_HANDLE);
  EXPECT_EQ(call_new(-5, body), LLMROUTE_ERR_BAD_HANDLE);
  EXPECT_EQ(call_new(0x7fffffff, body), LLMROUTE_ERR_BAD_HANDLE);

  // A new router may reuse the slot; the old handle must still be refused.
  const std::int32_t again = good_router();
  EXPECT_NE(again, router);
  EXPECT_EQ(call_new(router, body), LLMROUTE_ERR_BAD_HANDLE);

  const std::int32_t call = call_new(again, body);
  ASSERT_GT(call, 0);
  EXPECT_EQ(step(call, R"({"type":"timer_fired","now_ms":5})"), LLMROUTE_ERR_BAD_STATE);
  EXPECT_EQ(step(call, "not json"), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(step(call, R"({"type":"teleported","now_ms":5})"), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(step(call, R"({"type":"timer_fired"})"), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(step(call, R"({"type":"client_request_received","now_ms":5,"seed":1})"), 0);
  EXPECT_EQ(step(call, R"({"type":"client_request_received","now_ms":5,"seed":1})"), LLMROUTE_ERR_BAD_STATE);
  EXPECT_EQ(step(call, R"({"type":"upstream_responded","attempt":1,"now_ms":6,"status":"200"})"), LLMROUTE_ERR_INVALID);
  // Events and bytes for attempts that do not exist are no-ops, not errors.
  EXPECT_EQ(step(call, R"({"type":"upstream_ended","attempt":99,"now_ms":7})"), 0);
  EXPECT_EQ(llmroute_call_feed(call, 99, reinterpret_cast<const std::uint8_t*>("x"), 1), 0);
  EXPECT_EQ(llmroute_call_feed(call, 1, nullptr, 3), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(llmroute_call_feed(call, 1, nullptr, 0), 0);
  llmroute_call_free(call);
  llmroute_router_free(again);
}

// An attempt number past int32 is an error value: narrowed, 2^32 + 1 would have ended attempt 1.
TEST(Abi, AttemptNumbersOutOfRangeAreRefused) {
  const std::int32_t router = good_router();
  const std::int32_t call = call_new(router, llmroute::test_support::kHelloRequest);
  ASSERT_GT(call, 0);
  ASSERT_EQ(step(call, R"({"type":"client_request_received","now_ms":5,"seed":1})"), LLMROUTE_OK);
  ASSERT_EQ(step(call, R"({"type":"upstream_responded","attempt":1,"now_ms":6,"status":500})"), LLMROUTE_OK);
  for (const char* attempt : {"4294967297", "-4294967295", "9223372036854775807", "2147483648"}) {
    EXPECT_EQ(step(call, std::string(R"({"type":"upstream_ended","now_ms":7,"attempt":)") + attempt + "}"), LLMROUTE_ERR_INVALID)
        << attempt;
    const json error = result_json()["error"];
    EXPECT_EQ(error["code"], "bad_event");
    EXPECT_NE(error["message"].get<std::string>().find("attempt"), std::string::npos);
  }
  // Attempt 1 (sent at 5, timing out at 5 + 5000) is still waiting for its body: the refused
  // events did not end it, or the call would be backing off towards a retry by now.
  ASSERT_EQ(step(call, R"({"type":"timer_fired","now_ms":9})"), LLMROUTE_OK);
  EXPECT_EQ(result_json()["deadline_ms"], 5005) << result();
  llmroute_call_free(call);
  llmroute_router_free(router);
}

// Issue 7, bug B: bytes that are not UTF-8 in an upstream stream must not break the result
// document the Worker parses. A stream event that is not valid UTF-8 JSON is a malformed stream:
// the client gets its error event, and every result is a valid UTF-8 JSON document.
TEST(Abi, StreamBytesThatAreNotUtf8NeverBreakTheResult) {
  const std::int32_t router = good_router();
  const std::int32_t call = call_new(router, R"({"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_GT(call, 0) << result();
  ASSERT_EQ(step(call, R"({"type":"client_request_received","now_ms":1000,"seed":1})"), LLMROUTE_OK);
  ASSERT_EQ(step(call, R"({"type":"upstream_responded","attempt":1,"now_ms":1001,"status":200,"headers":{}})"), LLMROUTE_OK);
  const std::string good = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xC3\xA9\"}}]}\n\n";
  ASSERT_EQ(llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(good.data()), good.size()), LLMROUTE_OK);
  json out = result_json();
  ASSERT_EQ(out["actions"].size(), 2u);  // the head, then the chunk as it came
  EXPECT_EQ(out["actions"][1]["bytes"], good);

  const std::string bad = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xFF\xE2\x82\"}}]}\n\n";
  ASSERT_EQ(llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size()), LLMROUTE_OK);
  out = result_json();
  bool error_event = false;
  for (const json& action : out["actions"]) {
    if (action["type"] != "respond_bytes") continue;
    const std::string bytes = action["bytes"];
    EXPECT_EQ(bytes.find('\xFF'), std::string::npos);
    error_event = error_event || bytes.find("malformed stream") != std::string::npos;
  }
  EXPECT_TRUE(error_event) << result();
  EXPECT_EQ(out["done"], true);
  llmroute_call_free(call);
  llmroute_router_free(router);
}

TEST(Abi, CallsKeepTheirRouterAlive) {
  const std::int32_t router = good_router();
  const std::string body = llmroute::test_support::kHelloRequest;
  const std::int32_t call = call_new(router, body);
  llmroute_router_free(router);  // e.g. a config reload while a request is in flight
  EXPECT_EQ(step(call, R"({"type":"client_request_received","now_ms":5,"seed":1})"), 0);
  EXPECT_EQ(result_json()["actions"][0]["type"], "send_upstream");
  llmroute_call_free(call);
}

TEST(Abi, ClientKeysAreCheckedBeforeAnythingElse) {
  const std::int32_t router = good_router();
  const std::string body = llmroute::test_support::kHelloRequest;
  EXPECT_EQ(call_new(router, body, ""), LLMROUTE_ERR_INVALID);
  json out = result_json();
  EXPECT_EQ(out["error"]["http_status"], 401);
  EXPECT_EQ(out["error"]["code"], "missing_api_key");
  EXPECT_EQ(call_new(router, "{not json", "llmr_wrong_key"), LLMROUTE_ERR_INVALID);  // 401 before the body is read
  out = result_json();
  EXPECT_EQ(out["error"]["code"], "invalid_api_key");
  EXPECT_EQ(out.dump().find("llmr_wrong_key"), std::string::npos);  // the presented key is never echoed
  const std::string no_meta = "[]";
  EXPECT_EQ(llmroute_call_new(router, no_meta.data(), no_meta.size(), body.data(), body.size()), LLMROUTE_ERR_BAD_JSON);

  EXPECT_EQ(llmroute_router_authenticate(router, kClientKey, std::strlen(kClientKey)), LLMROUTE_OK);
  out = result_json();
  EXPECT_EQ(out["key"]["name"], "abi-tests");
  EXPECT_EQ(out["key"]["admin"], false);
  EXPECT_EQ(llmroute_router_authenticate(router, "nope", 4), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(result_json()["error"]["http_status"], 401);
  llmroute_router_free(router);
}

TEST(Abi, RouterReportsTheLimitsTheWorkerChecks) {
  json doc;
  doc["config"] = {{"limits", {{"max_body_bytes", 4096}, {"max_header_bytes", 2048}}},
                   {"cors", {{"allowed_origins", {"https://app.example.com"}}}}};
  doc["environment"] = {{"gateway_base_url", "https://gw.example/v1/a/g"}};
  const std::int32_t router = router_new(doc.dump());
  ASSERT_GT(router, 0) << result();
  const json info = result_json();
  EXPECT_EQ(info["max_body_bytes"], 4096);
  EXPECT_EQ(info["max_header_bytes"], 2048);
  EXPECT_EQ(info["cors_origins"], json::array({"https://app.example.com"}));
  const auto names = info["secret_names"].get<std::vector<std::string>>();
  for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "COHERE_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                           "CF_AIG_TOKEN"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  llmroute_router_free(router);
}

TEST(Abi, AwsCredentialsSignAndAreWrittenNowhere) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  json doc;
  doc["config"] = config_with_key();
  doc["config"]["routes"]["b"] = {{"targets", {"aws-bedrock/eu-west-3/mistral.mistral-large-2402-v1:0"}}};
  doc["environment"] = {{"gateway_base_url", "http://127.0.0.1:9/v1/a/g"},
                        {"secrets_set", {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
                        {"aws_credentials", {{"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", secret}}}};
  const std::int32_t router = router_new(doc.dump());
  ASSERT_GT(router, 0) << result();
  EXPECT_EQ(result().find(secret), std::string::npos);

  const std::int32_t call = call_new(router, R"({"model":"b","messages":[{"role":"user","content":"hi"}],"stream":true})");
  ASSERT_GT(call, 0) << result();
  ASSERT_EQ(step(call, R"({"type":"client_request_received","now_ms":1732270830000,"seed":1})"), LLMROUTE_OK);
  EXPECT_EQ(result().find(secret), std::string::npos);
  const json send = result_json()["actions"][0];
  EXPECT_EQ(send["url"], "http://127.0.0.1:9/v1/a/g/aws-bedrock/bedrock-runtime/eu-west-3/model/mistral.mistral-large-2402-v1%3A0/converse-stream");
  EXPECT_EQ(send["headers"]["x-amz-date"], "20241122T102030Z");
  EXPECT_EQ(send["headers"]["authorization"].get<std::string>().find("Credential=AKIDEXAMPLE/20241122/eu-west-3/bedrock/aws4_request"),
            17u);
  EXPECT_TRUE(send["secret_headers"].empty());

  ASSERT_EQ(step(call, R"({"type":"upstream_responded","attempt":1,"now_ms":1732270830100,"status":403,"headers":{}})"), 0);
  const std::string denied = R"({"message":"The request signature we calculated does not match the signature you provided."})";
  ASSERT_EQ(llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(denied.data()), denied.size()), 0);
  ASSERT_EQ(step(call, R"({"type":"upstream_ended","attempt":1,"now_ms":1732270830200})"), 0);
  EXPECT_EQ(result().find(secret), std::string::npos);
  EXPECT_EQ(result_json()["actions"][0]["status"], 502);
  llmroute_call_free(call);
  llmroute_router_free(router);

  doc["environment"]["aws_credentials"] = {{"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", 1}};
  EXPECT_LT(router_new(doc.dump()), 0);
  EXPECT_NE(result().find("environment.aws_credentials"), std::string::npos);
  EXPECT_EQ(result().find("AKIDEXAMPLE"), std::string::npos);
}

TEST(Abi, AllocReturnsUsableMemory) {
  void* p = llmroute_alloc(0);
  EXPECT_NE(p, nullptr);
  llmroute_free(p);
  llmroute_free(nullptr);
}

TEST(Abi, WhatIfPricesTheSameUsageOnEveryTargetOfTheRoute) {
  const std::int32_t router = good_router();
  auto query = [&](const std::string& text) { return llmroute_router_query(router, text.data(), text.size()); };
  // Two requests together: 3,000 prompt tokens (1,000 of them cached), 1,000 completion tokens.
  ASSERT_EQ(query(R"({"query":"what_if","route":"chat","requests":2,
    "usage":{"prompt_tokens":3000,"completion_tokens":1000,"cached_prompt_tokens":1000}})"), LLMROUTE_OK) << result();
  const json out = result_json();
  EXPECT_EQ(out["route"], "chat");
  ASSERT_EQ(out["candidates"].size(), 2u);
  EXPECT_EQ(out["candidates"][0]["target"], "openai/gpt-4o-mini");
  // 2,000 x 0.15 + 1,000 x 0.075 + 1,000 x 0.60 = 300 + 75 + 600 = 975 micro-dollars
  EXPECT_EQ(out["candidates"][0]["cost_micro_usd"], 975);
  EXPECT_EQ(out["candidates"][0]["cost_status"], "measured");
  // gpt-4o has no cached rate configured, so cached reads cost the input rate:
  // 3,000 x 2.50 + 1,000 x 10.00 = 17,500
  EXPECT_EQ(out["candidates"][1]["target"], "openai/gpt-4o");
  EXPECT_EQ(out["candidates"][1]["cost_micro_usd"], 17500);

  EXPECT_EQ(query(R"({"query":"what_if","route":"nope","usage":{}})"), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(result_json()["error"]["code"], "model_not_found");
  EXPECT_EQ(query(R"({"query":"explain_everything"})"), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(query("{nope"), LLMROUTE_ERR_BAD_JSON);
  EXPECT_EQ(llmroute_router_query(987654, "{}", 2), LLMROUTE_ERR_BAD_HANDLE);
  // Hostile counts are read as nothing, not priced.
  ASSERT_EQ(query(R"({"query":"what_if","route":"chat","usage":{"prompt_tokens":-5,"completion_tokens":1e300}})"), LLMROUTE_OK);
  EXPECT_EQ(result_json()["candidates"][0]["cost_micro_usd"], 0);
  llmroute_router_free(router);
}

TEST(Abi, RoutingMetadataSeedAndTargetHealth) {
  const std::int32_t router = good_router();
  const std::string body = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";
  auto call_with_meta = [&](const json& extra) {
    json meta = extra;
    meta["api_key"] = kClientKey;
    const std::string text = meta.dump();
    return llmroute_call_new(router, text.data(), text.size(), body.data(), body.size());
  };
  EXPECT_EQ(call_with_meta({{"metadata", {{"nested", {1}}}}}), LLMROUTE_ERR_INVALID);
  EXPECT_EQ(result_json()["error"]["code"], "invalid_metadata");
  EXPECT_EQ(result_json()["error"]["http_status"], 400);
  json many = json::object();
  for (int i = 0; i < 17; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(call_with_meta({{"metadata", many}}), LLMROUTE_ERR_INVALID);

  const std::int32_t call = call_with_meta({{"metadata", {{"tier", "pro"}, {"n", 3}, {"beta", true}}}, {"seed", 5}});
  ASSERT_GT(call, 0) << result();
  ASSERT_EQ(step(call, R"({"type":"client_request_received","now_ms":1000,"seed":9})"), LLMROUTE_OK);
  ASSERT_EQ(step(call, R"({"type":"upstream_failed","attempt":1,"now_ms":1100,"cause":"timeout"})"), LLMROUTE_OK);
  llmroute_call_free(call);

  const std::string now = R"({"now_ms":2000})";
  ASSERT_EQ(llmroute_router_health(router, now.data(), now.size()), LLMROUTE_OK) << result();
  const json health = result_json();
  // No circuit_breaker section: the default breaker is on.
  EXPECT_EQ(health["circuit_breaker"], json::parse(R"({"failures":5,"window_ms":60000,"cooldown_ms":30000})"));
  ASSERT_EQ(health["targets"].size(), 1u);
  EXPECT_EQ(health["targets"][0]["target"], "openai/gpt-4o-mini");
  EXPECT_EQ(health["targets"][0]["state"], "closed");
  EXPECT_EQ(health["targets"][0]["failures"], 1);
  EXPECT_EQ(health["targets"][0]["last_error"], "timeout");

  EXPECT_EQ(llmroute_router_health(router, "{}", 2), LLMROUTE_ERR_BAD_JSON);
  llmroute_router_free(router);
  EXPECT_EQ(llmroute_router_health(router, now.data(), now.size()), LLMROUTE_ERR_BAD_HANDLE);
}
