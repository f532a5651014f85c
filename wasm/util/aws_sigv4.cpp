#include "util/aws_sigv4.hpp"

#include "util/hmac_sha256.hpp"
#include "util/sha256.hpp"

namespace llmroute {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::int64_t kMsPerDay = 86'400'000;

void append_two_digits(std::string& out, std::int64_t value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

// Days since 1970-01-01 -> proleptic Gregorian year, month, day (Howard Hinnant's civil_from_days).
void civil_from_days(std::int64_t days, std::int64_t& year, std::int64_t& month, std::int64_t& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

std::string aws_uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4u]);
      out.push_back(kHex[byte & 0xFu]);
    }
  }
  return out;
}

std::string amz_date(std::int64_t now_ms) {
  const std::int64_t days = (now_ms >= 0 ? now_ms : now_ms - kMsPerDay + 1) / kMsPerDay;
  const std::int64_t seconds_of_day = (now_ms - days * kMsPerDay) / 1000;
  std::int64_t year = 0, month = 0, day = 0;
  civil_from_days(days, year, month, day);
  std::string out = std::to_string(year);
  append_two_digits(out, month);
  append_two_digits(out, day);
  out.push_back('T');
  append_two_digits(out, seconds_of_day / 3600);
  append_two_digits(out, seconds_of_day / 60 % 60);
  append_two_digits(out, seconds_of_day % 60);
  out.push_back('Z');
  return out;
}

SigV4Signature sign_sigv4(const SigV4Request& request, const AwsCredentials& credentials) {
  SigV4Signature out;
  out.amz_date = amz_date(request.now_ms);
  const std::string date = out.amz_date.substr(0, 8);
  const std::string scope = date + "/" + std::string(request.region) + "/" + std::string(request.service) + "/aws4_request";

  // Canonical headers, sorted by name: host < x-amz-date < x-amz-security-token.
  std::string canonical_headers = "host:" + std::string(request.host) + "\nx-amz-date:" + out.amz_date + "\n";
  std::string signed_headers = "host;x-amz-date";
  if (!credentials.session_token.empty()) {
    canonical_headers += "x-amz-security-token:" + credentials.session_token + "\n";
    signed_headers += ";x-amz-security-token";
  }
  out.canonical_request = std::string(request.method) + "\n" + aws_uri_encode(request.path, true) + "\n" +
                          "\n" +  // no query string
                          canonical_headers + "\n" + signed_headers + "\n" + to_hex(sha256(request.payload));
  out.string_to_sign = std::string(kAlgorithm) + "\n" + out.amz_date + "\n" + scope + "\n" + to_hex(sha256(out.canonical_request));

  const Sha256Digest date_key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  const Sha256Digest region_key = hmac_sha256(digest_bytes(date_key), request.region);
  const Sha256Digest service_key = hmac_sha256(digest_bytes(region_key), request.service);
  const Sha256Digest signing_key = hmac_sha256(digest_bytes(service_key), "aws4_request");
  out.signature = to_hex(hmac_sha256(digest_bytes(signing_key), out.string_to_sign));

  out.headers.emplace_back("x-amz-date", out.amz_date);
  if (!credentials.session_token.empty()) out.headers.emplace_back("x-amz-security-token", credentials.session_token);
  out.headers.emplace_back("authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                                                ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature);
  return out;
}

}  // namespace llmroute
