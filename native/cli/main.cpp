// llmroute: the command-line tool over the same core the Worker runs.
//   llmroute validate <config.json>   print every problem with its JSON path; exit 1 if any
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace {

int usage() {
  std::cerr << "usage: llmroute validate <config.json>\n";
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

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "validate") return validate(argv[2]);
  return usage();
}
