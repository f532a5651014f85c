// AWS Signature Version 4, header form: the canonical request, the string to sign and the
// signature, as AWS documents them. Used for Bedrock, the one provider whose requests the core
// signs; nothing here writes a secret anywhere but into the signature's HMAC chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmroute {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless the credentials are temporary (STS)
};

struct SigV4Request {
  std::string_view method;   // "POST"
  std::string_view host;     // the service's own host, e.g. bedrock-runtime.us-east-1.amazonaws.com
  std::string_view path;     // as sent, percent-encoded once; signed encoded once more (every service but S3)
  std::string_view region;   // "us-east-1"
  std::string_view service;  // "bedrock"
  std::string_view payload;  // the body, as sent
  std::int64_t now_ms = 0;   // the signing time (x-amz-date)
};

struct SigV4Signature {
  std::string amz_date;           // YYYYMMDD'T'HHMMSS'Z'
  std::string canonical_request;  // what was signed, for tests (with the session token, as sent)
  std::string string_to_sign;
  std::string signature;          // lower-case hex
  // The headers to send: x-amz-date, x-amz-security-token (temporary credentials), authorization.
  // The host is signed but not among them: the gateway's fetch sets its own, and AI Gateway
  // forwards to the service's host.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Signs host, x-amz-date and (with a session token) x-amz-security-token, with no query string.
SigV4Signature sign_sigv4(const SigV4Request& request, const AwsCredentials& credentials);

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~), and '/' too
// unless `keep_slash`: AWS's UriEncode.
std::string aws_uri_encode(std::string_view text, bool keep_slash);

// now_ms as YYYYMMDD'T'HHMMSS'Z' (UTC).
std::string amz_date(std::int64_t now_ms);

}  // namespace llmroute
