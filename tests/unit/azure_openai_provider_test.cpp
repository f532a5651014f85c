// Azure OpenAI (the OpenAI API on a deployment URL, key in api-key): requests field by field
// against recorded ones, the recorded answer, stream (an opening event of prompt-filter results)
// and 404 from ../shared/fixtures/azure-openai (see its manifest), plus cases written here: a
// content-filtered choice without a message, the 401 body, malformed targets.
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "providers/azure_openai/azure_openai.hpp"
#include "support/core_harness.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(AzureOpenAiRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("azure-openai");
  for (const char* name : {"chat-text", "chat-stream", "error-404-deployment-not-found"}) {
    const json recorded = fixture_json(std::string("azure-openai/") + name + ".request.json");
    // The recorded body names the deployment as its model; the target names the resource too.
    const std::string deployment = recorded["model"];
    const auto built = build("azure-openai", recorded.dump(), "contoso-east/" + deployment);
    json expected = recorded;
    if (recorded.contains("stream")) expected["stream_options"] = {{"include_usage", true}};  // so the stream can be priced
    expect_same_fields(json::parse(built.body), expected, name);
    EXPECT_EQ(built.path, "/contoso-east/" + deployment + "/chat/completions?api-version=2024-10-21") << name;
    EXPECT_TRUE(built.dropped.empty()) << name;
  }
}

TEST(AzureOpenAiRequest, TargetsNameResourceAndDeployment) {
  const std::string body = R"({"model":"r","messages":[{"role":"developer","content":"x"},{"role":"user","content":"hi"}]})";
  const json sent = json::parse(build("azure-openai", body, "res-1/gpt-4o-mini_prod.2").body);
  EXPECT_EQ(sent["model"], "gpt-4o-mini_prod.2");
  EXPECT_EQ(sent["messages"][0]["role"], "system");  // this api-version predates developer
  for (const char* target : {"only-a-deployment", "res/", "/dep", "res/dep/extra", "res/dep?x=1", "re s/dep"}) {
    const auto built = try_build("azure-openai", body, target);
    ASSERT_FALSE(built.ok()) << target;
    EXPECT_EQ(built.error().kind, ErrorKind::Config) << target;
    EXPECT_EQ(built.error().code, "invalid_target") << target;
  }
  EXPECT_EQ(provider("azure-openai").key_header, "api-key");
  EXPECT_EQ(provider("azure-openai").key_prefix, "");
}

// A malformed target is found when the config is loaded, with its JSON path, instead of passing
// validation and then answering every request 500; a client naming one directly gets a 400.
TEST(AzureOpenAiRequest, MalformedTargetsAreConfigProblemsUpFront) {
  std::vector<ConfigProblem> problems;
  parse_config(json::parse(R"({"routes": {"chat": {"targets": ["azure-openai/res/dep", "azure-openai/x",
      {"model": "azure-openai/res/dep/extra"}]}}})"), problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].path, "$.routes.chat.targets[1]");
  EXPECT_NE(problems[0].message.find("azure-openai/{resource}/{deployment}"), std::string::npos);
  EXPECT_EQ(problems[1].path, "$.routes.chat.targets[2].model");
  EXPECT_TRUE(provider("azure-openai").model_problem("res/dep").empty());
  EXPECT_EQ(provider("openai").model_problem, nullptr);  // OpenAI judges its own model names

  CallDriver direct(make_router(R"({"routes": {"chat": {"targets": ["azure-openai/res/dep"]}}})", {"AZURE_OPENAI_API_KEY"}),
                    R"({"model":"azure-openai/x","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(direct.error);
  EXPECT_EQ(direct.error->http_status, 400);
  EXPECT_EQ(direct.error->param, "model");
}

TEST(AzureOpenAiAnswer, RecordedAnswerKeepsFilterResults) {
  REQUIRE_SHARED_FIXTURES("azure-openai");
  const auto parsed = answer("azure-openai", fixture("azure-openai/chat-text.response.json"));
  EXPECT_EQ(parsed.usage.prompt_tokens, 15);
  EXPECT_EQ(parsed.usage.completion_tokens, 24);
  const json body = json::parse(parsed.body);
  EXPECT_EQ(body["choices"][0]["message"]["content"].get<std::string>().rfind("Why did the Opentelemetry developer", 0), 0u);
  EXPECT_EQ(body["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"], false);
  EXPECT_EQ(body["choices"][0]["content_filter_results"]["violence"]["severity"], "safe");
}

TEST(AzureOpenAiAnswer, FilteredChoiceGetsAnEmptyMessage) {
  // Azure writes no message at all for a filtered answer; OpenAI clients read choices[0].message.
  const auto parsed = answer("azure-openai", R"({"id":"chatcmpl-9","object":"chat.completion","created":1714036973,"model":"gpt-4o",
    "choices":[{"index":0,"finish_reason":"content_filter","content_filter_results":{"violence":{"filtered":true,"severity":"high"}}}],
    "usage":{"prompt_tokens":20,"completion_tokens":0,"total_tokens":20}})");
  const json choice = json::parse(parsed.body)["choices"][0];
  EXPECT_EQ(choice["message"], json::parse(R"({"role":"assistant","content":null})"));
  EXPECT_EQ(choice["finish_reason"], "content_filter");
}

TEST(AzureOpenAiStream, RecordedStreamWithoutItsFilterOnlyEvent) {
  REQUIRE_SHARED_FIXTURES("azure-openai");
  const std::string upstream = fixture("azure-openai/chat-stream.sse");
  const Streamed s = stream_both_ways("azure-openai", upstream, true);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);  // checks every chunk: none with empty id, object or choices
  EXPECT_EQ(r.chunks.front()["id"], "chatcmpl-9HpbbsSaH8U6amSDAwdA2WzMeDdLB");
  EXPECT_EQ(r.content.rfind("Why did the OpenTelemetry project", 0), 0u);
  EXPECT_EQ(r.finish_reason, "stop");
  // This recording's api-version had no usage in streams: none is made up.
  EXPECT_FALSE(s.has_usage);
  EXPECT_EQ(r.usage_chunks, 0);
}

TEST(AzureOpenAiError, RecordedDeploymentNotFoundAndAccessDenied) {
  REQUIRE_SHARED_FIXTURES("azure-openai");
  auto error = provider("azure-openai").parse_error(404, fixture("azure-openai/error-404-deployment-not-found.json"));
  EXPECT_EQ(error.code, "DeploymentNotFound");
  EXPECT_EQ(error.message.rfind("The API deployment for this resource does not exist", 0), 0u);
  error = provider("azure-openai").parse_error(401, R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}})");
  EXPECT_EQ(error.code, "401");
  EXPECT_EQ(error.type, "authentication_error");
}
