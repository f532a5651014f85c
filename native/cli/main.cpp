// llmroute: the command-line tool over the same core the Worker runs.
//   llmroute validate <config.json>          print every problem with its JSON path; exit 1 if any
//   llmroute keygen [name]                   make a client key and print the SHA-256 the config stores
//   llmroute price <provider/model> <usage.json> [--catalog prices.json] [--config config.json]
//                                            the cost of one usage block, with its breakdown
//   llmroute explain <config.json> <request.json> [--key NAME] [--seed N] [--meta name=value]... [--catalog prices.json]
//                                            the candidates the core would try for a request, in order,
//                                            skipped ones with their reasons, and each strategy's decision
//   llmroute import-litellm <litellm.json> [--models list.txt] [--version V] [--effective YYYY-MM-DD] [--source S]
//                                            LiteLLM's catalog as llmroute's (worker/config/prices.json)
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/config.hpp"
#include "core/router.hpp"
#include "providers/registry.hpp"
#include "providers/openai/openai.hpp"
#include "util/decimal.hpp"
#include "util/sha256.hpp"

namespace {

using llmroute::json;

constexpr const char* kDefaultCatalog = "worker/config/prices.json";

int print_usage() {
  std::cerr << "usage: llmroute validate <config.json>\n"
               "       llmroute keygen [name]\n"
               "       llmroute price <provider/model> <usage.json> [--catalog prices.json] [--config config.json]\n"
               "       llmroute explain <config.json> <request.json> [--key NAME] [--seed N] [--meta name=value]... [--catalog prices.json]\n"
               "       llmroute import-litellm <litellm.json> [--models list.txt] [--version V] [--effective D] [--source S]\n";
  return 2;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

// Reads a JSON file or explains why not (exit code 2 for unreadable, 1 for invalid).
int read_json(const std::string& path, json& out) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "llmroute: cannot read " << path << "\n";
    return 2;
  }
  switch (llmroute::parse_json(text, out, 256)) {
    case llmroute::JsonParseStatus::Ok: return 0;
    case llmroute::JsonParseStatus::TooDeep: std::cerr << path << ": JSON nests too deep\n"; return 1;
    case llmroute::JsonParseStatus::Malformed: std::cerr << path << ": not valid JSON\n"; return 1;
  }
  return 1;
}

int print_problems(const std::vector<llmroute::ConfigProblem>& problems, const std::string& path) {
  for (const auto& p : problems) std::cout << p.path << ": " << p.message << "\n";
  std::cout << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " in " << path << "\n";
  return 1;
}

int validate(const std::string& path) {
  json doc;
  if (int rc = read_json(path, doc)) return rc;
  std::vector<llmroute::ConfigProblem> problems;
  const llmroute::Config config = llmroute::parse_config(doc, problems);
  if (!problems.empty()) return print_problems(problems, path);
  std::cout << path << ": ok (" << config.routes.size() << " routes, " << config.prices.models.size() << " prices, "
            << config.keys.size() << " keys)\n";
  return 0;
}

// A new client key: 32 bytes from the kernel's random source, in hex, with a recognisable prefix.
int keygen(const std::string& name) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    std::cerr << "llmroute: cannot read /dev/urandom\n";
    return 2;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "llmr_";
  for (const unsigned char b : bytes) {
    key.push_back(kHex[b >> 4u]);
    key.push_back(kHex[b & 0xFu]);
  }
  const std::string hash = llmroute::to_hex(llmroute::sha256(key));
  std::cout << "key:    " << key << "\n"
            << "sha256: " << hash << "\n"
            << "Give the key to the client; put only this in the config's \"keys\":\n"
            << "  {\"name\": \"" << name << "\", \"sha256\": \"" << hash << "\"}\n";
  return 0;
}

std::string usd(std::int64_t micro) { return llmroute::format_scaled(micro, llmroute::kMicroScale); }

// The price of one usage block: the catalog, then the config's own prices over it.
int price(const std::string& model_name, const std::string& usage_path, const std::string& catalog_path,
          const std::string& config_path) {
  std::vector<llmroute::ConfigProblem> problems;
  llmroute::PriceTable table;
  json doc;
  if (int rc = read_json(catalog_path, doc)) return rc;
  table = llmroute::parse_catalog(doc, problems);
  if (!config_path.empty()) {
    if (int rc = read_json(config_path, doc)) return rc;
    const llmroute::Config config = llmroute::parse_config(doc, problems);
    for (const auto& [key, p] : config.prices.models) table.models.insert_or_assign(key, p);
  }
  if (!problems.empty()) return print_problems(problems, catalog_path);

  if (int rc = read_json(usage_path, doc)) return rc;
  llmroute::Usage usage;
  const json* usage_doc = llmroute::find(doc, "usage") ? llmroute::find(doc, "usage") : &doc;
  if (!llmroute::providers::openai::read_usage(*usage_doc, usage)) {
    std::cerr << usage_path << ": needs an OpenAI usage block (prompt_tokens, completion_tokens, ...)\n";
    return 1;
  }
  std::string provider, model;
  if (!llmroute::split_provider_model(model_name, provider, model)) return print_usage();
  const llmroute::ModelPrice* found = llmroute::find_price(table, provider, model);
  if (found == nullptr) {
    std::cout << model_name << ": no price (cost status: absent)\n";
    return 1;
  }
  std::string rate_set;
  const llmroute::Rates& rates = llmroute::rates_for(*found, usage.prompt_tokens, &rate_set);
  const std::int64_t cached = usage.cached_prompt_tokens;
  const std::int64_t written = usage.cache_write_prompt_tokens;
  const std::int64_t uncached = usage.prompt_tokens - cached - written;
  auto line = [](const char* what, std::int64_t tokens, std::int64_t rate) {
    std::printf("  %-22s %10lld tokens x %12s /M\n", what, static_cast<long long>(tokens), usd(rate).c_str());
  };
  std::printf("%s (catalog %s, rates %s)\n", model_name.c_str(), table.version.c_str(), rate_set.c_str());
  line("uncached prompt", uncached, rates.input_per_mtok);
  line("cache reads", cached, rates.cached_input_per_mtok);
  line("cache writes", written, rates.cache_write_per_mtok);
  line("completion", usage.completion_tokens, rates.output_per_mtok);
  std::printf("  total: %s USD (exact sum, rounded half up once to micro-dollars)\n",
              usd(llmroute::cost_micro_usd(usage, rates)).c_str());
  return 0;
}

int import_litellm(const std::string& path, const std::string& models_path, const std::string& version,
                   const std::string& effective, const std::string& source) {
  json doc;
  if (int rc = read_json(path, doc)) return rc;
  std::vector<llmroute::ConfigProblem> problems;
  llmroute::PriceTable table = llmroute::import_litellm(doc, version, problems);
  if (!problems.empty()) return print_problems(problems, path);
  table.source = source;
  for (auto& [key, price] : table.models) price.effective = effective;
  if (!models_path.empty()) {
    std::string list;
    if (!read_file(models_path, list)) {
      std::cerr << "llmroute: cannot read " << models_path << "\n";
      return 2;
    }
    std::set<std::string> wanted;
    std::istringstream lines(list);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] != '#') wanted.insert(line);
    }
    for (const auto& name : wanted) {
      if (table.models.count(name) == 0) std::cerr << "llmroute: " << name << " is not in " << path << "\n";
    }
    for (auto it = table.models.begin(); it != table.models.end();) it = wanted.count(it->first) ? std::next(it) : table.models.erase(it);
  }
  std::cout << llmroute::catalog_json(table);
  return 0;
}

// The plan of one request, as the Worker's core would make it with every secret set and every
// circuit closed (health lives in a running Worker: see GET /healthz).
int explain(const std::string& config_path, const std::string& request_path, const std::string& catalog_path,
            bool catalog_given, const std::string& key_name, std::uint64_t seed, const llmroute::core::RequestMetadata& metadata) {
  json doc = json::object();
  if (int rc = read_json(config_path, doc["config"])) return rc;
  std::string catalog_text;
  if (read_file(catalog_path, catalog_text)) {
    if (int rc = read_json(catalog_path, doc["catalog"])) return rc;
  } else if (catalog_given) {
    std::cerr << "llmroute: cannot read " << catalog_path << "\n";
    return 2;
  }
  json secrets = json::array();
  for (std::string_view name : llmroute::providers::secret_names()) secrets.push_back(std::string(name));
  doc["environment"] = {{"gateway_base_url", "http://127.0.0.1:8790/v1/account/gateway"}, {"secrets_set", secrets}};
  std::vector<llmroute::ConfigProblem> problems;
  auto router = llmroute::core::Router::create(doc, problems);
  if (router == nullptr) return print_problems(problems, config_path);

  std::string body;
  if (!read_file(request_path, body)) {
    std::cerr << "llmroute: cannot read " << request_path << "\n";
    return 2;
  }
  auto request = llmroute::parse_chat_request(body, router->config().limits.request);
  if (!request) {
    std::cout << request_path << ": " << request.error().message << "\n";
    return 1;
  }
  llmroute::ClientKey key{key_name.empty() ? "explain" : key_name, {}, {"*"}, {"*"}, false};
  if (!key_name.empty()) {
    const auto& keys = router->config().keys;
    auto it = std::find_if(keys.begin(), keys.end(), [&](const llmroute::ClientKey& k) { return k.name == key_name; });
    if (it == keys.end()) {
      std::cout << "no client key named '" << key_name << "' in " << config_path << "\n";
      return 1;
    }
    key = *it;
  }
  auto plan = router->plan(*request, key, metadata, seed);
  if (!plan) {
    std::cout << "refused (HTTP " << plan.error().http_status << " " << plan.error().code << "): " << plan.error().message << "\n";
    return 1;
  }
  auto yes_no = [](bool b) { return b ? "yes" : "no"; };
  std::cout << "request: ~" << request->estimated_prompt_tokens << " prompt tokens, max tokens "
            << (request->max_output_tokens ? std::to_string(*request->max_output_tokens) : std::string("-"))
            << ", tools " << yes_no(request->has_tools) << ", images " << yes_no(request->has_images) << ", json schema "
            << yes_no(request->has_json_schema) << ", stream " << yes_no(request->stream) << "\n";
  std::cout << "route: " << (plan->route.empty() ? "(provider/model or models list)" : plan->route) << ", deadline "
            << plan->deadline_ms << " ms, key " << key.name << ", seed " << seed << "\n";
  for (const std::string& decision : plan->decisions) std::cout << "decision: " << decision << "\n";
  int rank = 0;
  for (const llmroute::core::Candidate& c : plan->candidates) {
    const std::string label = c.target.label();
    if (!c.skip_reason.empty()) {
      std::cout << "  skip " << label << ": " << c.skip_reason << (c.skip_detail.empty() ? "" : " (" + c.skip_detail + ")") << "\n";
    } else if (c.last_resort) {
      std::cout << "  last resort " << label << " (only when every circuit above is open)\n";
    } else {
      std::cout << "  " << ++rank << ". " << label << " (" << c.target.retry.attempts << " tries, " << c.target.timeout_ms
                << " ms each)\n";
    }
  }
  return 0;
}

// The value after `flag` in argv, or `fallback`.
std::string option(int argc, char** argv, const std::string& flag, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == flag) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return print_usage();
  const std::string command = argv[1];
  if (command == "validate" && argc == 3) return validate(argv[2]);
  if (command == "explain" && argc >= 4) {
    llmroute::core::RequestMetadata metadata;
    for (int i = 4; i + 1 < argc; ++i) {
      const std::string entry = argv[i + 1];
      if (std::string(argv[i]) != "--meta") continue;
      const auto eq = entry.find('=');
      if (eq == std::string::npos || eq == 0) return print_usage();
      metadata.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
    }
    const std::string seed_text = option(argc, argv, "--seed", "0");
    std::uint64_t seed = 0;
    const auto parsed = std::from_chars(seed_text.data(), seed_text.data() + seed_text.size(), seed);
    if (parsed.ec != std::errc() || parsed.ptr != seed_text.data() + seed_text.size()) return print_usage();
    const std::string catalog = option(argc, argv, "--catalog", "");
    return explain(argv[2], argv[3], catalog.empty() ? kDefaultCatalog : catalog, !catalog.empty(), option(argc, argv, "--key", ""),
                   seed, metadata);
  }
  if (command == "keygen" && (argc == 2 || argc == 3)) return keygen(argc == 3 ? argv[2] : "my-client");
  if (command == "price" && argc >= 4) {
    return price(argv[2], argv[3], option(argc, argv, "--catalog", kDefaultCatalog), option(argc, argv, "--config", ""));
  }
  if (command == "import-litellm" && argc >= 3) {
    return import_litellm(argv[2], option(argc, argv, "--models", ""), option(argc, argv, "--version", "litellm"),
                          option(argc, argv, "--effective", ""), option(argc, argv, "--source", ""));
  }
  return print_usage();
}
