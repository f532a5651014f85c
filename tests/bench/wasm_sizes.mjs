// Where the bytes of llmroute.wasm go: sizes of the code section's function bodies, grouped by what
// they belong to, and the largest functions. Function names come from a module linked with
// --profiling-funcs (tests/bench/run.sh --sizes links one); the shipped module has none.
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

// The owner of a function, from its (demangled) name.
function group(name) {
  if (/nlohmann/.test(name)) return "nlohmann::json";
  const provider = /llmroute::providers::(\w+)/.exec(name);
  if (provider) return `providers::${provider[1]}`;
  const ours = /llmroute::(\w+)/.exec(name);
  if (ours) return `llmroute::${ours[1]}`;
  if (/^llmroute_/.test(name)) return "the C ABI (abi.cpp)";
  if (/std::__2::/.test(name)) return "libc++ (std::)";
  if (/printf|scanf|strto|fmt_|pop_arg|dlmalloc|dlfree|malloc|free|memcpy|memset|memmove|__|^[a-z_0-9]+$/.test(name)) return "libc, malloc, compiler runtime";
  return "other";
}

const groups = new Map();
const functions = [];
bodies.forEach((size, i) => {
  const name = names.get(i + importedFunctions) ?? `function ${i + importedFunctions}`;
  functions.push({ name, size });
  const g = group(name);
  groups.set(g, (groups.get(g) ?? 0) + size);
});
const total = bytes.length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${file}: ${kb(total)}, ${bodies.length} functions`);
console.log("\n| section | size |\n| --- | --- |");
for (const [name, size] of sections) console.log(`| ${name} | ${kb(size)} |`);
console.log("\n| code of | size | share of the module |\n| --- | --- | --- |");
for (const [g, size] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`| ${g} | ${kb(size)} | ${((100 * size) / total).toFixed(1)}% |`);
const top = Number(topArg ?? 25);
console.log(`\n| largest ${top} functions | size |\n| --- | --- |`);
for (const f of functions.sort((a, b) => b.size - a.size).slice(0, top)) console.log(`| ${f.name.slice(0, 150).replaceAll("|", "\\|")} | ${kb(f.size)} |`);
