// Sizes of what is deployed: the Worker bundle as wrangler builds it for upload, and llmroute.wasm.
// Sizes are deterministic for a given build, so CI asserts them against SIZE_BUDGETS:
//   node tests/bench/sizes.mjs --check     (exits 1 when a size is over its budget)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const wasmFile = `${root}worker/build/llmroute.wasm`;

// Bytes (gzip -9 for the gzipped ones). Issue 8's targets are 300 KB raw and 100 KB gzipped for
// the bundle; the module alone is over them today (BENCHMARKS.md says by how much and why), so the
// budgets CI holds are today's sizes plus a little room: a change that grows them fails, and each
// cut should lower them.
export const SIZE_BUDGETS = {
  wasmRaw: 520 * 1024,     // 509.2 KB when set (the provider gaps closed, +6.5 KB; Gemini's stream fast path, +7.6 KB)
  wasmGzip: 200 * 1024,    // 195.7 KB
  bundleRaw: 570 * 1024,   // 558.9 KB (config reload, fallback reasons; the JS minified since)
  bundleGzip: 214 * 1024,  // 209.7 KB
};

/** The bundle `wrangler deploy --dry-run` writes (the Worker's JS with its JSON configs, and the .wasm). */
export function bundleSizes() {
  const outdir = mkdtempSync(join(tmpdir(), "llmroute-bundle-"));
  try {
    const run = spawnSync(`${root}worker/node_modules/.bin/wrangler`, ["deploy", "--dry-run", "--outdir", outdir, "--config", `${root}wrangler.toml`],
      { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_LOG_PATH: process.env.WRANGLER_LOG_PATH ?? `${root}logs/wrangler` } });
    if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
    let bundleRaw = 0, bundleGzip = 0;
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) { walk(path); continue; }
        if (name.endsWith(".map") || name === "README.md") continue;  // not uploaded as code
        const bytes = readFileSync(path);
        bundleRaw += bytes.length;
        bundleGzip += gzipSync(bytes, { level: 9 }).length;
      }
    };
    walk(outdir);
    const wasm = readFileSync(wasmFile);
    return { bundleRaw, bundleGzip, wasmRaw: wasm.length, wasmGzip: gzipSync(wasm, { level: 9 }).length };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--check")) {
  const sizes = bundleSizes();
  let over = 0;
  for (const [name, budget] of Object.entries(SIZE_BUDGETS)) {
    const ok = sizes[name] <= budget;
    if (!ok) over++;
    console.log(`${ok ? "ok  " : "OVER"} ${name}: ${sizes[name]} bytes (budget ${budget})`);
  }
  if (over > 0) {
    console.error(`${over} size(s) over budget: see BENCHMARKS.md`);
    process.exit(1);
  }
}
