// llmroute: the command-line tool over the same core the Worker runs.
//   llmroute validate <config.json>   print every problem with its JSON path; exit 1 if any
//   llmroute keygen [name]            make a client key and print the SHA-256 the config stores
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "util/sha256.hpp"

namespace {

int usage() {
  std::cerr << "usage: llmroute validate <config.json>\n"
               "       llmroute keygen [name]\n";
  return 2;
}

bool read_file(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

int validate(const char* path) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "llmroute: cannot read " << path << "\n";
    return 2;
  }
  llmroute::json doc;
  switch (llmroute::parse_json(text, doc)) {
    case llmroute::JsonParseStatus::Ok: break;
    case llmroute::JsonParseStatus::TooDeep: std::cerr << path << ": JSON nests too deep\n"; return 1;
    case llmroute::JsonParseStatus::Malformed: std::cerr << path << ": not valid JSON\n"; return 1;
  }
  std::vector<llmroute::ConfigProblem> problems;
  const llmroute::Config config = llmroute::parse_config(doc, problems);
  for (const auto& p : problems) std::cout << p.path << ": " << p.message << "\n";
  if (!problems.empty()) {
    std::cout << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " in " << path << "\n";
    return 1;
  }
  std::cout << path << ": ok (" << config.routes.size() << " routes, " << config.prices.size() << " prices)\n";
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

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "validate") return validate(argv[2]);
  if ((argc == 2 || argc == 3) && std::string(argv[1]) == "keygen") return keygen(argc == 3 ? argv[2] : "my-client");
  return usage();
}
