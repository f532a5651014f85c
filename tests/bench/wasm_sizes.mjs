// Where the bytes of llmroute.wasm go: sizes of the code section's function bodies, grouped by what
// they belong to, and the largest functions. Function names come from a module linked with
// --profiling-funcs (tests/bench/run.sh --wasm-sizes links one and runs this); the shipped module
// has none.
//   node tests/bench/wasm_sizes.mjs <module-with-names.wasm> [top N]
import { readFileSync } from "node:fs";

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node tests/bench/wasm_sizes.mjs <module.wasm> [top N]");
  process.exit(2);
}
const bytes = readFileSync(file);
let pos = 8;  // magic and version
const leb = () => {
  let result = 0, shift = 0, byte;
  do { byte = bytes[pos++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return result;
};
const str = () => { const n = leb(); const s = bytes.toString("utf8", pos, pos + n); pos += n; return s; };

let importedFunctions = 0;
const bodies = [];  // size of each defined function's body
const names = new Map();
const sections = [];
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const end = pos + size;
  if (id === 2) {  // imports: they take the first function indexes
    for (let n = leb(); n > 0; n--) {
      str(); str();
      const kind = bytes[pos++];
      if (kind === 0) { leb(); importedFunctions++; } else if (kind === 1) { pos++; const f = leb(); leb(); if (f & 1) leb(); } else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } else { pos += 2; }
    }
    sections.push(["import", size]);
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) { const len = leb(); bodies.push(len); pos += len; }
    sections.push(["code", size]);
  } else if (id === 0) {
    const name = str();
    if (name === "name") {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = leb();
        const subEnd = pos + subSize;
        if (sub === 1) for (let n = leb(); n > 0; n--) { const index = leb(); names.set(index, str()); }
        pos = subEnd;
      }
    }
    sections.push([`custom ${name}`, size]);
  } else {
    sections.push([["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"][id] ?? `section ${id}`, size]);
  }
  pos = end;
}

// The owner of a function, from its (demangled) name. Inlined code counts in the function it was
// inlined into: nlohmann's templates weigh far more than their out-of-line share.
const PROVIDERS = ["openai", "anthropic", "gemini", "bedrock", "cohere", "groq", "mistral", "deepseek", "grok", "openrouter", "perplexity", "azure_openai", "workers_ai"];
function group(name) {
  if (/^llmroute_/.test(name)) return "the C ABI (abi.cpp, with what it inlined: config and request parsing)";
  const provider = /^(?:[\w:<>, ]*\s)?llmroute::providers::(\w+)::/.exec(name);
  if (provider && PROVIDERS.includes(provider[1])) return `providers::${provider[1]}`;
  if (/^(?:[\w:<>, ]*\s)?llmroute::providers::/.test(name)) return "providers (shared)";
  if (/^(?:[\w:<>, ]*\s)?llmroute::core::/.test(name)) return "core (call, router, config, pricing)";
  if (/^(?:[\w:<>, ]*\s)?llmroute::/.test(name)) return "model and util";
  if (/nlohmann/.test(name)) return "nlohmann::json (out of line)";
  if (/std::__2::/.test(name)) return "libc++ (std::)";
  return "libc, malloc, compiler runtime";
}

const groups = new Map();
const functions = [];
bodies.forEach((size, i) => {
  const name = names.get(i + importedFunctions) ?? `function ${i + importedFunctions}`;
  functions.push({ name, size });
  const g = group(name);
  groups.set(g, (groups.get(g) ?? 0) + size);
});
const total = bodies.reduce((a, b) => a + b, 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${file}: ${kb(bytes.length)} (names included), code ${kb(total)} in ${bodies.length} functions`);
console.log("\n| section | size |\n| --- | --- |");
for (const [name, size] of sections) console.log(`| ${name} | ${kb(size)} |`);
console.log("\n| code of | size | share of the code |\n| --- | --- | --- |");
for (const [g, size] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`| ${g} | ${kb(size)} | ${((100 * size) / total).toFixed(1)}% |`);
const top = Number(topArg ?? 25);
console.log(`\n| largest ${top} functions | size |\n| --- | --- |`);
for (const f of functions.sort((a, b) => b.size - a.size).slice(0, top)) console.log(`| ${f.name.slice(0, 150).replaceAll("|", "\\|")} | ${kb(f.size)} |`);
