#include "core/config.hpp"

#include <gtest/gtest.h>

#include "support/core_harness.hpp"

using namespace llmroute;
using test_support::has_problem;
using test_support::problems_of;

TEST(Config, ReadsRoutesTargetsRetriesAndPrices) {
  std::vector<ConfigProblem> problems;
  const Config config = parse_config(json::parse(test_support::kTwoTargetConfig), problems);
  ASSERT_TRUE(problems.empty()) << problems.front().path << " " << problems.front().message;
  const Route& chat = config.routes.at("chat");
  ASSERT_EQ(chat.targets.size(), 2u);
  EXPECT_EQ(chat.targets[0].provider, "openai");
  EXPECT_EQ(chat.targets[0].model, "gpt-4o-mini");
  EXPECT_EQ(chat.targets[0].retry.attempts, 2);
  EXPECT_EQ(chat.targets[0].retry.backoff_initial_ms, 100);
  EXPECT_EQ(chat.targets[1].retry.attempts, 1);
  EXPECT_EQ(chat.deadline_ms, 20000);
  const Rates& mini = config.prices.models.at("openai/gpt-4o-mini").base;
  EXPECT_EQ(mini.input_per_mtok, 150000);
  EXPECT_EQ(mini.output_per_mtok, 600000);
  EXPECT_EQ(mini.cached_input_per_mtok, 75000);
  EXPECT_EQ(mini.cache_write_per_mtok, 150000);  // defaults to the input rate
  EXPECT_EQ(config.prices.models.at("openai/gpt-4o").base.cached_input_per_mtok, 2500000);
}

TEST(Config, StringTargetsAndOnStatus) {
  std::vector<ConfigProblem> problems;
  const Config config = parse_config(json::parse(R"({"routes":{"r":{"targets":["openai/gpt-4o",
      {"model":"openai/o3","retry":{"on_status":[429,503]}}]}}})"), problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(config.routes.at("r").targets[0].model, "gpt-4o");
  EXPECT_EQ(config.routes.at("r").targets[1].retry.on_status, (std::vector<int>{429, 503}));
}

TEST(Config, ReportsEveryProblemWithItsJsonPath) {
  const auto problems = problems_of(R"({
    "routes": {
      "chat": {"targets": [{"model": "openai"}, {"model": "nosuch/x", "retry": {"attempts": 0, "on_status": [200, "x"]}}]},
      "empty": {"targets": []},
      "odd name": {"targets": "openai/gpt-4o", "deadline": 5},
      "a/b": {"targets": ["openai/gpt-4o"]}
    },
    "prices": {"openai/gpt-4o-mini": {"input": "0.1234567", "output": -1, "cache": 1}, "nomodel": {}},
    "gateway": {"byok": ["nosuch"], "authenticated": "yes"},
    "limits": {"max_body_bytes": 10},
    "retries": 3
  })");
  EXPECT_TRUE(has_problem(problems, "$.routes.chat.targets[0].model", "provider/model"));
  EXPECT_TRUE(has_problem(problems, "$.routes.chat.targets[1].model", "unknown provider 'nosuch'"));
  EXPECT_TRUE(has_problem(problems, "$.routes.chat.targets[1].retry.attempts", "between 1 and 10"));
  EXPECT_TRUE(has_problem(problems, "$.routes.chat.targets[1].retry.on_status[0]", "between 400 and 599"));
  EXPECT_TRUE(has_problem(problems, "$.routes.chat.targets[1].retry.on_status[1]", "between 400 and 599"));
  EXPECT_TRUE(has_problem(problems, "$.routes.empty.targets", "non-empty"));
  EXPECT_TRUE(has_problem(problems, "$.routes[\"odd name\"].targets", "non-empty array"));
  EXPECT_TRUE(has_problem(problems, "$.routes[\"odd name\"].deadline", "unknown field"));
  EXPECT_TRUE(has_problem(problems, "$.routes[\"a/b\"]", "must not contain '/'"));
  EXPECT_TRUE(has_problem(problems, "$.prices[\"openai/gpt-4o-mini\"].input", "6 decimal places"));
  EXPECT_TRUE(has_problem(problems, "$.prices[\"openai/gpt-4o-mini\"].output", "non-negative"));
  EXPECT_TRUE(has_problem(problems, "$.prices[\"openai/gpt-4o-mini\"].cache", "unknown field"));
  EXPECT_TRUE(has_problem(problems, "$.prices.nomodel", "provider/model"));
  EXPECT_TRUE(has_problem(problems, "$.gateway.byok[0]", "supported provider"));
  EXPECT_TRUE(has_problem(problems, "$.gateway.authenticated", "true or false"));
  EXPECT_TRUE(has_problem(problems, "$.limits.max_body_bytes", "between 1024"));
  EXPECT_TRUE(has_problem(problems, "$.retries", "unknown field"));
  EXPECT_EQ(problems.size(), 17u);
}

TEST(Config, NotAnObjectAndNothingServable) {
  EXPECT_TRUE(has_problem(problems_of("[]"), "$", "JSON object"));
  EXPECT_TRUE(has_problem(problems_of(R"({"direct_models": false})"), "$.routes", "no request could be served"));
  EXPECT_TRUE(problems_of("{}").empty());  // direct provider/model requests still work
}

TEST(Config, ByokMakesTheGatewayAuthenticated) {
  std::vector<ConfigProblem> problems;
  const Config config = parse_config(json::parse(R"({"gateway":{"byok":["openai"]}})"), problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_TRUE(config.gateway.authenticated);
  // ... and then the environment must hold the gateway token.
  Environment env = parse_environment(json::parse(R"({"gateway_base_url":"https://gw/v1/a/g","secrets_set":[]})"), config, problems);
  EXPECT_TRUE(has_problem(problems, "environment.secrets_set", "CF_AIG_TOKEN"));
}

TEST(Config, EnvironmentNeedsAGatewayUrl) {
  std::vector<ConfigProblem> problems;
  const Config config;
  parse_environment(json::parse(R"({"secrets_set":[]})"), config, problems);
  EXPECT_TRUE(has_problem(problems, "environment.gateway_base_url", "not set"));
  problems.clear();
  parse_environment(json::parse(R"({"gateway_base_url":"ftp://x"})"), config, problems);
  EXPECT_TRUE(has_problem(problems, "environment.gateway_base_url", "https://"));
  problems.clear();
  const Environment env = parse_environment(json::parse(R"({"gateway_base_url":"https://g/v1/a/b//"})"), config, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(env.gateway_base_url, "https://g/v1/a/b");
}

TEST(Config, AwsCredentialsAreTakenWholeAndNeverQuoted) {
  std::vector<ConfigProblem> problems;
  const Config config;
  const Environment env = parse_environment(json::parse(R"({"gateway_base_url":"https://g/v1/a/b",
    "aws_credentials":{"access_key_id":"AKIDEXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}})"), config, problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_TRUE(env.aws_credentials.has_value());
  EXPECT_EQ(env.aws_credentials->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(env.aws_credentials->session_token, "");
  for (const char* bad : {R"({"access_key_id":"AKIDEXAMPLE"})", R"({"access_key_id":"AKIDEXAMPLE","secret_access_key":""})",
                          R"({"access_key_id":"AKIDEXAMPLE","secret_access_key":"wJalrXUtnFEMI","session_token":7})", R"("AKIDEXAMPLE")"}) {
    problems.clear();
    const Environment rejected = parse_environment(
        json::parse(std::string(R"({"gateway_base_url":"https://g/v1/a/b","aws_credentials":)") + bad + "}"), config, problems);
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_EQ(problems[0].path, "environment.aws_credentials");
    EXPECT_EQ(problems[0].message.find("AKIDEXAMPLE"), std::string::npos);
    EXPECT_EQ(problems[0].message.find("wJalr"), std::string::npos);
    EXPECT_FALSE(rejected.aws_credentials.has_value());
  }
}

TEST(Config, ProviderModelSplitsAtTheFirstSlash) {
  std::string provider, model;
  ASSERT_TRUE(split_provider_model("workers-ai/@cf/meta/llama-3.1-8b-instruct", provider, model));
  EXPECT_EQ(provider, "workers-ai");
  EXPECT_EQ(model, "@cf/meta/llama-3.1-8b-instruct");
  EXPECT_FALSE(split_provider_model("/x", provider, model));
  EXPECT_FALSE(split_provider_model("x/", provider, model));
  EXPECT_FALSE(split_provider_model("plain", provider, model));
}

TEST(Config, ClientKeysAreHashesWithPermissions) {
  std::vector<ConfigProblem> problems;
  const std::string hash = to_hex(sha256("llmr_k1"));
  const Config config = parse_config(json::parse(R"({"routes":{"chat":{"targets":["openai/gpt-4o"]}},"keys":[
      {"name":"team-a","sha256":")" + hash + R"(","routes":["chat"],"models":["openai/gpt-4o*"],"admin":true}]})"), problems);
  ASSERT_TRUE(problems.empty()) << problems.front().path << " " << problems.front().message;
  const ClientKey& key = config.keys.at(0);
  EXPECT_EQ(key.name, "team-a");
  EXPECT_EQ(to_hex(key.sha256), hash);
  EXPECT_TRUE(key.admin);
  EXPECT_TRUE(key.may_use_route("chat"));
  EXPECT_FALSE(key.may_use_route("other"));
  EXPECT_TRUE(key.may_use_model("openai/gpt-4o-mini"));
  EXPECT_FALSE(key.may_use_model("openai/o3"));
}

TEST(Config, ClientKeyProblems) {
  const std::string hash = to_hex(sha256("llmr_k1"));
  const auto problems = problems_of(R"({"routes":{"chat":{"targets":["openai/gpt-4o"]}},"keys":[
      {"name":"a","sha256":"abc","routes":["nope"],"models":["x/y",""],"extra":1},
      {"name":"b","sha256":")" + hash + R"("},
      {"name":"b","sha256":")" + hash + R"("},
      {"sha256":")" + to_hex(sha256("other")) + R"(","admin":"yes"}],
    "cors":{"allowed_origins":["app.example.com","https://ok.example.com","https://x.example.com/path/"]}})");
  EXPECT_TRUE(has_problem(problems, "$.keys[0].sha256", "64 hex digits"));
  EXPECT_TRUE(has_problem(problems, "$.keys[0].routes[0]", "no route named 'nope'"));
  EXPECT_TRUE(has_problem(problems, "$.keys[0].models[0]", "known provider"));
  EXPECT_TRUE(has_problem(problems, "$.keys[0].models[1]", "non-empty"));
  EXPECT_TRUE(has_problem(problems, "$.keys[0].extra", "unknown field"));
  EXPECT_TRUE(has_problem(problems, "$.keys[2].name", "another key"));
  EXPECT_TRUE(has_problem(problems, "$.keys[2].sha256", "same key as 'b'"));
  EXPECT_TRUE(has_problem(problems, "$.keys[3].name", "is required"));
  EXPECT_TRUE(has_problem(problems, "$.keys[3].admin", "true or false"));
  EXPECT_TRUE(has_problem(problems, "$.cors.allowed_origins[0]", "origin"));
  EXPECT_TRUE(has_problem(problems, "$.cors.allowed_origins[2]", "origin"));
  EXPECT_EQ(problems.size(), 11u);
}
