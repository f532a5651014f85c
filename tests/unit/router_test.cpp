// The router's strategies, nesting, capability checks and their config validation.
#include "core/router.hpp"

#include <gtest/gtest.h>

#include "support/core_harness.hpp"

using namespace llmroute;
using test_support::has_problem;
using test_support::problems_of;
using namespace llmroute::core;
using test_support::make_router;

namespace {

const ClientKey kAnyone{"test-key", {}, {"*"}, {"*"}, false};

Plan plan_for(const std::shared_ptr<const Router>& router, const std::string& body, std::uint64_t seed = 0,
              RequestMetadata metadata = {}, const ClientKey& key = kAnyone) {
  auto request = parse_chat_request(body, router->config().limits.request);
  EXPECT_TRUE(request);
  auto plan = router->plan(*request, key, std::move(metadata), seed);
  EXPECT_TRUE(plan);
  return plan ? std::move(*plan) : Plan{};
}

std::vector<std::string> labels(const Plan& plan) {
  std::vector<std::string> out;
  for (const Candidate& c : plan.candidates) out.push_back(c.target.label() + (c.skip_reason.empty() ? "" : " skip:" + c.skip_reason));
  return out;
}

std::string hello(const std::string& model) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"Say hello"}]})";
}

const std::vector<std::string> kAllKeys = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_AI_STUDIO_API_KEY"};

}  // namespace

TEST(RouterConfig, ReadsStrategiesRulesLastResortAndBreaker) {
  std::vector<ConfigProblem> problems;
  const Config config = parse_config(json::parse(R"({
    "circuit_breaker": {"failures": 3, "window_ms": 10000, "cooldown_ms": 5000},
    "routes": {
      "lb": {"strategy": "loadbalance", "targets": [{"model": "openai/gpt-4o", "weight": 3}, {"route": "cheap", "weight": 1}]},
      "cheap": {"strategy": "cheapest", "targets": ["openai/gpt-4o-mini", "openai/gpt-4o"], "last_resort": "anthropic/claude-haiku-4-5"},
      "cond": {"strategy": "conditional",
               "rules": [{"when": {"key": ["team-a", "team-b"], "metadata": {"tier": "pro"}, "has_tools": true,
                                   "has_images": false, "stream": true, "min_prompt_tokens": 10, "max_prompt_tokens": 100},
                          "targets": [{"route": "lb"}]}],
               "targets": ["openai/gpt-4o-mini"]}
    }
  })"), problems);
  ASSERT_TRUE(problems.empty()) << problems.front().path << " " << problems.front().message;
  EXPECT_TRUE(config.circuit_breaker.enabled);
  EXPECT_EQ(config.circuit_breaker.failures, 3);
  EXPECT_EQ(config.circuit_breaker.window_ms, 10000);
  EXPECT_EQ(config.circuit_breaker.cooldown_ms, 5000);
  const Route& lb = config.routes.at("lb");
  EXPECT_EQ(lb.strategy, Strategy::LoadBalance);
  EXPECT_EQ(lb.targets[0].weight, 3);
  EXPECT_EQ(lb.targets[1].route, "cheap");
  EXPECT_EQ(lb.targets[1].label(), "route:cheap");
  ASSERT_TRUE(config.routes.at("cheap").last_resort);
  EXPECT_EQ(config.routes.at("cheap").last_resort->label(), "anthropic/claude-haiku-4-5");
  const RouteCondition& when = config.routes.at("cond").rules.at(0).when;
  EXPECT_EQ(when.keys, (std::vector<std::string>{"team-a", "team-b"}));
  ASSERT_EQ(when.metadata.size(), 1u);
  EXPECT_EQ(when.metadata[0], (std::pair<std::string, std::string>{"tier", "pro"}));
  EXPECT_EQ(when.has_tools, true);
  EXPECT_EQ(when.has_images, false);
  EXPECT_EQ(when.stream, true);
  EXPECT_EQ(when.min_prompt_tokens, 10);
  EXPECT_EQ(when.max_prompt_tokens, 100);
  // On by default (5 failures in a minute, 30 s cooldown); off only when the config says so.
  const CircuitBreakerPolicy by_default = parse_config(json::parse(R"({"routes":{}})"), problems).circuit_breaker;
  EXPECT_TRUE(by_default.enabled);
  EXPECT_EQ(by_default.failures, 5);
  EXPECT_EQ(by_default.window_ms, 60000);
  EXPECT_EQ(by_default.cooldown_ms, 30000);
  EXPECT_FALSE(parse_config(json::parse(R"({"routes":{},"circuit_breaker":{"enabled":false}})"), problems).circuit_breaker.enabled);
}

TEST(RouterConfig, RejectsUnknownRoutesAndCyclesWithTheirPaths) {
  const auto problems = problems_of(R"({"routes": {
    "a": {"targets": [{"route": "b"}, "openai/gpt-4o"]},
    "b": {"strategy": "conditional", "rules": [{"when": {"stream": true}, "targets": [{"route": "a"}]}], "targets": [{"route": "nowhere"}]},
    "self": {"targets": [{"route": "self"}]}
  }})");
  EXPECT_TRUE(has_problem(problems, "$.routes.b.targets[0].route", "no route named 'nowhere'"));
  EXPECT_TRUE(has_problem(problems, "$.routes.b.rules[0].targets[0].route", "cycle: a -> b -> a"));
  EXPECT_TRUE(has_problem(problems, "$.routes.self.targets[0].route", "cycle: self -> self"));
  EXPECT_EQ(problems.size(), 3u);
}

TEST(RouterConfig, ReportsEveryStrategyProblem) {
  const auto problems = problems_of(R"({
    "circuit_breaker": {"failures": 0, "window": 5},
    "routes": {
      "s": {"strategy": "random", "targets": ["openai/gpt-4o"]},
      "c": {"strategy": "conditional", "targets": ["openai/gpt-4o"]},
      "r": {"rules": [{"when": {"stream": "yes", "tier": 1}, "targets": []}], "targets": ["openai/gpt-4o"]},
      "w": {"strategy": "loadbalance", "targets": [{"model": "openai/gpt-4o", "weight": 0}, {"model": "openai/o3", "weight": 0}]},
      "v": {"strategy": "loadbalance", "targets": [{"model": "openai/gpt-4o", "weight": -1}]},
      "x": {"targets": [{"route": "s", "model": "openai/gpt-4o", "timeout_ms": 5}], "last_resort": {"route": "s"}}
    }
  })");
  EXPECT_TRUE(has_problem(problems, "$.circuit_breaker.failures", "between 1 and 1000"));
  EXPECT_TRUE(has_problem(problems, "$.circuit_breaker.window", "unknown field"));
  EXPECT_TRUE(has_problem(problems, "$.routes.s.strategy", "fallback, loadbalance, conditional, cheapest, fastest"));
  EXPECT_TRUE(has_problem(problems, "$.routes.c.rules", "required by the conditional strategy"));
  EXPECT_TRUE(has_problem(problems, "$.routes.r.rules", "need \"strategy\": \"conditional\""));
  EXPECT_TRUE(has_problem(problems, "$.routes.r.rules[0].when.stream", "true or false"));
  EXPECT_TRUE(has_problem(problems, "$.routes.r.rules[0].when.tier", "unknown field"));
  EXPECT_TRUE(has_problem(problems, "$.routes.r.rules[0].targets", "non-empty array"));
  EXPECT_TRUE(has_problem(problems, "$.routes.v.targets[0].weight", "between 0 and"));
  EXPECT_TRUE(has_problem(problems, "$.routes.w.targets", "at least one target with a weight above 0"));
  EXPECT_TRUE(has_problem(problems, "$.routes.x.targets[0].model", "either a model or a route"));
  EXPECT_TRUE(has_problem(problems, "$.routes.x.targets[0]", "belong to the targets of the route"));
  EXPECT_TRUE(has_problem(problems, "$.routes.x.last_resort", "not a route"));
}

TEST(Router, LoadBalanceIsSeededAndFollowsTheWeights) {
  auto router = make_router(R"({"routes": {"lb": {"strategy": "loadbalance", "targets": [
    {"model": "openai/gpt-4o-mini", "weight": 3}, {"model": "openai/gpt-4o", "weight": 1}, {"model": "openai/o3", "weight": 0}]}}})");
  ASSERT_NE(router, nullptr);
  int mini_first = 0;
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    const Plan plan = plan_for(router, hello("lb"), seed);
    ASSERT_EQ(plan.candidates.size(), 3u);
    EXPECT_EQ(plan.candidates[2].target.model, "o3");  // weight 0: a fallback only, never drawn first
    if (plan.candidates[0].target.model == "gpt-4o-mini") ++mini_first;
    EXPECT_TRUE(plan.depends_on_seed_or_health);
  }
  // 3:1 weights: three quarters of first picks, within a few percent over 4000 seeds.
  EXPECT_GT(mini_first, 2880);
  EXPECT_LT(mini_first, 3120);
  // The same seed, config and request give the same order every time.
  EXPECT_EQ(labels(plan_for(router, hello("lb"), 42)), labels(plan_for(router, hello("lb"), 42)));
  EXPECT_EQ(plan_for(router, hello("lb"), 42).decisions.at(0).rfind("route lb: loadbalance drew ", 0), 0u);
}

TEST(Router, ConditionalPicksTheFirstMatchingRuleElseTheDefault) {
  auto router = make_router(R"({"routes": {
    "smart": {"strategy": "conditional", "rules": [
      {"when": {"key": "vip"}, "targets": ["openai/o3"]},
      {"when": {"metadata": {"Tier": "pro"}}, "targets": ["openai/gpt-4o"]},
      {"when": {"has_tools": true, "stream": false}, "targets": ["openai/gpt-4.1"]},
      {"when": {"has_images": true}, "targets": ["openai/gpt-4.1-mini"]},
      {"when": {"min_prompt_tokens": 1000}, "targets": ["openai/gpt-4.1-nano"]}],
     "targets": ["openai/gpt-4o-mini"]}}})");
  ASSERT_NE(router, nullptr);
  auto first = [&](const std::string& body, RequestMetadata metadata = {}, const ClientKey& key = kAnyone) {
    return plan_for(router, body, 0, std::move(metadata), key).candidates.at(0).target.model;
  };
  EXPECT_EQ(first(hello("smart")), "gpt-4o-mini");
  EXPECT_EQ(plan_for(router, hello("smart")).decisions.at(0), "route smart: no rule matched, default targets");
  EXPECT_EQ(first(hello("smart"), {}, ClientKey{"vip", {}, {"*"}, {"*"}, false}), "o3");
  EXPECT_EQ(first(hello("smart"), {{"tier", "pro"}}), "gpt-4o");  // metadata names match in any case
  EXPECT_EQ(first(hello("smart"), {{"tier", "Pro"}}), "gpt-4o-mini");  // values exactly
  const std::string tools = R"({"model":"smart","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]})";
  EXPECT_EQ(first(tools), "gpt-4.1");
  EXPECT_EQ(first(R"({"model":"smart","stream":true,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]})"),
            "gpt-4o-mini");
  EXPECT_EQ(first(R"({"model":"smart","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]})"),
            "gpt-4.1-mini");
  EXPECT_EQ(first(R"({"model":"smart","messages":[{"role":"user","content":")" + std::string(8000, 'a') + R"("}]})"), "gpt-4.1-nano");
  EXPECT_EQ(plan_for(router, tools).decisions.at(0), "route smart: rule 2 matched");
}

TEST(Router, CheapestOrdersCapableCandidatesByEstimatedCost) {
  auto router = make_router(R"({
    "routes": {"cheap": {"strategy": "cheapest", "targets": ["openai/gpt-4o", "openai/unpriced", "openai/gpt-4o-mini", "openai/o3"]}},
    "prices": {
      "openai/gpt-4o": {"input": "2.50", "output": "10.00"},
      "openai/gpt-4o-mini": {"input": "0.15", "output": "0.60"},
      "openai/o3": {"input": "0.10", "output": "0.40", "capabilities": ["vision"]}
    }})");
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(labels(plan_for(router, hello("cheap"))),
            (std::vector<std::string>{"openai/o3", "openai/gpt-4o-mini", "openai/gpt-4o", "openai/unpriced"}));
  // o3 takes no tools: passed over, and sorted behind every usable candidate.
  const Plan tools = plan_for(router, R"({"model":"cheap","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]})");
  EXPECT_EQ(labels(tools), (std::vector<std::string>{"openai/gpt-4o-mini", "openai/gpt-4o", "openai/unpriced",
                                                     "openai/o3 skip:no_tools_support"}));
  EXPECT_NE(tools.decisions.at(0).find("openai/gpt-4o-mini="), std::string::npos);
}

TEST(Router, FastestOrdersByObservedLatencyUnmeasuredFirst) {
  auto router = make_router(R"({"routes": {"fast": {"strategy": "fastest", "targets": ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3"]}}})");
  ASSERT_NE(router, nullptr);
  router->health().record_latency("openai/gpt-4o", 900);
  router->health().record_latency("openai/gpt-4o-mini", 300);
  EXPECT_EQ(labels(plan_for(router, hello("fast"))), (std::vector<std::string>{"openai/o3", "openai/gpt-4o-mini", "openai/gpt-4o"}));
  router->health().record_latency("openai/o3", 2000);
  EXPECT_EQ(labels(plan_for(router, hello("fast"))), (std::vector<std::string>{"openai/gpt-4o-mini", "openai/gpt-4o", "openai/o3"}));
}

TEST(Router, NestedRoutesExpandInTheirOwnOrderWithoutDuplicates) {
  auto router = make_router(R"({"routes": {
    "outer": {"targets": ["openai/gpt-4o", {"route": "inner"}, "openai/o3"], "last_resort": "openai/gpt-4.1"},
    "inner": {"targets": ["openai/gpt-4o-mini", "openai/gpt-4o", {"route": "deepest"}]},
    "deepest": {"targets": ["openai/gpt-4.1-nano"]}}})");
  ASSERT_NE(router, nullptr);
  const Plan plan = plan_for(router, hello("outer"));
  EXPECT_EQ(labels(plan), (std::vector<std::string>{"openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1-nano", "openai/o3",
                                                    "openai/gpt-4.1"}));
  EXPECT_TRUE(plan.candidates.back().last_resort);
  EXPECT_EQ(plan.route, "outer");
}

TEST(Router, ReachableTargetsAreEveryTargetOfEveryRuleAndNestedRouteOnce) {
  auto router = make_router(R"({"routes": {
    "outer": {"strategy": "conditional",
              "rules": [{"when": {"stream": true}, "targets": [{"route": "inner"}, "openai/o3"]}],
              "targets": ["openai/gpt-4o", {"route": "inner"}], "last_resort": "openai/gpt-4.1"},
    "inner": {"targets": ["openai/gpt-4o-mini", "openai/gpt-4o", {"route": "deepest"}], "last_resort": "openai/o4-mini"},
    "deepest": {"strategy": "loadbalance", "targets": [{"model": "openai/gpt-4.1-nano", "weight": 0}, "openai/gpt-4.1-nano"]}}})");
  ASSERT_NE(router, nullptr);
  std::vector<std::string> reached;
  for (const Target* t : router->reachable_targets(router->config().routes.at("outer"))) reached.push_back(t->label());
  // Whatever a request would match or draw: the route's targets, then its rules', then its last
  // resort; a nested route's own last resort counts too.
  EXPECT_EQ(reached, (std::vector<std::string>{"openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1-nano", "openai/o4-mini",
                                               "openai/o3", "openai/gpt-4.1"}));
}

TEST(Router, SkipsCandidatesThatCannotServeTheRequest) {
  auto router = make_router(R"({
    "routes": {"r": {"targets": ["openai/small", "openai/blind", "openai/plain", "openai/unknown", "anthropic/claude-haiku-4-5"]}},
    "prices": {
      "openai/small": {"input": "1", "output": "1", "context_window": 50, "capabilities": ["tools", "vision", "json_schema"]},
      "openai/blind": {"input": "1", "output": "1", "capabilities": ["tools", "json_schema"]},
      "openai/plain": {"input": "1", "output": "1", "capabilities": ["vision"]},
      "openai/unknown": {"input": "1", "output": "1"}
    }})", kAllKeys);
  ASSERT_NE(router, nullptr);
  const std::string image = R"({"type":"image_url","image_url":{"url":"https://example.com/a.png"}})";
  const Plan plan = plan_for(router, R"({"model":"r","max_tokens":40,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},
      "messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},)" + image + R"(]}],
      "tools":[{"type":"function","function":{"name":"f"}}]})");
  EXPECT_EQ(labels(plan), (std::vector<std::string>{"openai/small skip:context_window_too_small", "openai/blind skip:no_vision_support",
                                                    "openai/plain skip:no_tools_support", "openai/unknown",
                                                    "anthropic/claude-haiku-4-5"}));
  EXPECT_NE(plan.candidates[0].skip_detail.find("the context window is 50"), std::string::npos);
  // Only the schema lacking: the reason is that one.
  const Plan schema = plan_for(router, R"({"model":"r","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},
      "messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(schema.candidates[2].skip_reason, "no_json_schema_support");
  EXPECT_TRUE(schema.candidates[1].skip_reason.empty());
}
