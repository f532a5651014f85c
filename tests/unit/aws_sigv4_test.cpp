// SigV4 against AWS's published test suite (aws-sig-v4-test-suite: the AKIDEXAMPLE credentials,
// 2015-08-30T12:36:00Z, region us-east-1, service "service"), and against botocore for the
// requests Bedrock gets: a model id whose ':' is sent as %3A and signed encoded once more.
#include "util/aws_sigv4.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

namespace {

const AwsCredentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::int64_t kSuiteTimeMs = 1'440'938'160'000;  // 20150830T123600Z

SigV4Signature suite(std::string_view method, std::string_view path) {
  return sign_sigv4({method, "example.amazonaws.com", path, "us-east-1", "service", "", kSuiteTimeMs}, kExample);
}

}  // namespace

TEST(AwsSigV4, GetVanilla) {
  const SigV4Signature s = suite("GET", "/");
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  ASSERT_EQ(s.headers.size(), 2u);
  EXPECT_EQ(s.headers[0], (std::pair<std::string, std::string>{"x-amz-date", "20150830T123600Z"}));
  EXPECT_EQ(s.headers[1].first, "authorization");
  EXPECT_EQ(s.headers[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(AwsSigV4, PostVanillaAndEncodedPaths) {
  const SigV4Signature post = suite("POST", "/");
  EXPECT_EQ(post.string_to_sign.substr(post.string_to_sign.rfind('\n') + 1),
            "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87");
  EXPECT_EQ(post.signature, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  // get-utf8 and get-space: the path's bytes are percent-encoded for signing.
  EXPECT_EQ(suite("GET", "/\xe1\x88\xb4").signature, "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
  EXPECT_EQ(suite("GET", "/example space/").signature, "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

TEST(AwsSigV4, BedrockRequestAsBotocoreSignsIt) {
  // botocore 1.43 SigV4Auth(credentials, "bedrock", "us-east-1") on this POST at 2024-11-22T10:20:30Z.
  const std::string body = R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{}})";
  const SigV4Request request{"POST", "bedrock-runtime.us-east-1.amazonaws.com",
                             "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse", "us-east-1", "bedrock", body,
                             1'732'270'830'000};
  const SigV4Signature plain = sign_sigv4(request, kExample);
  EXPECT_NE(plain.canonical_request.find("\n/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse\n"), std::string::npos);
  EXPECT_EQ(plain.amz_date, "20241122T102030Z");
  EXPECT_EQ(plain.signature, "d7bb911a7e195465812278e67d0d284e564db426e20b07beeffa12da8389b8d0");

  AwsCredentials temporary = kExample;
  temporary.session_token = "FwoGZXIvYXdzEBYaDEXAMPLEsessiontoken";
  const SigV4Signature session = sign_sigv4(request, temporary);
  EXPECT_EQ(session.signature, "2abefe02bf962e2b05d2ac6ff35abd4eed0a024353a797da05e9664bc6f701c4");
  ASSERT_EQ(session.headers.size(), 3u);
  EXPECT_EQ(session.headers[1], (std::pair<std::string, std::string>{"x-amz-security-token", temporary.session_token}));
  EXPECT_NE(session.headers[2].second.find("SignedHeaders=host;x-amz-date;x-amz-security-token, "), std::string::npos);
  // The secret key itself appears in nothing that is sent.
  for (const auto& [name, value] : session.headers) EXPECT_EQ(value.find(kExample.secret_access_key), std::string::npos) << name;
}

TEST(AwsSigV4, DatesAndUriEncoding) {
  EXPECT_EQ(amz_date(0), "19700101T000000Z");
  EXPECT_EQ(amz_date(951'782'400'000), "20000229T000000Z");  // a leap day
  EXPECT_EQ(amz_date(1'735'689'599'999), "20241231T235959Z");
  EXPECT_EQ(amz_date(4'102'444'800'000), "21000101T000000Z");
  EXPECT_EQ(aws_uri_encode("anthropic.claude-v2:1", false), "anthropic.claude-v2%3A1");
  EXPECT_EQ(aws_uri_encode("arn:aws:bedrock:us-east-1:1:inference-profile/x", false),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx");
  EXPECT_EQ(aws_uri_encode("/a b/~c_d.e-f", true), "/a%20b/~c_d.e-f");
  EXPECT_EQ(aws_uri_encode("%3A", true), "%253A");
}
