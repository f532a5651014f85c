#!/usr/bin/env bash
# The local-dev command: sets everything up, starts the AI Gateway emulator on 127.0.0.1:8790 and
# the Worker with `wrangler dev` on 127.0.0.1:8787, pointed at the emulator. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."
LLMROUTE_SKIP_NATIVE=1 LLMROUTE_SKIP_BROWSER=1 worker/scripts/setup.sh

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_LOG_PATH="$PWD/logs/wrangler"
emulator_port="${EMULATOR_PORT:-8790}"
node tests/emulator/main.mjs --port "$emulator_port" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT INT TERM

# The bundled config plus one client key for local use, "llmr_local_dev_key" (only its SHA-256
# goes into the config). The bundled config itself has no keys: a deployed Worker refuses every
# client until its operator adds theirs.
dev_config=$(node -e '
  const crypto = require("node:crypto");
  const config = JSON.parse(require("node:fs").readFileSync("worker/config/llmroute.config.json", "utf8"));
  const sha256 = crypto.createHash("sha256").update("llmr_local_dev_key").digest("hex");
  config.keys = [...(config.keys ?? []), { name: "local-dev", sha256, admin: true }];
  process.stdout.write(JSON.stringify(config));')

# Local secrets: the emulator accepts any provider key, so these are placeholders, not credentials.
exec_args=(--ip 127.0.0.1 --port "${PORT:-8787}"
  --var "AI_GATEWAY_BASE_URL:http://127.0.0.1:${emulator_port}/v1/emu-account/emu-gateway"
  --var "OPENAI_API_KEY:sk-local-emulator-placeholder"
  --var "ANTHROPIC_API_KEY:sk-ant-local-emulator-placeholder"
  --var "GOOGLE_AI_STUDIO_API_KEY:AIza-local-emulator-placeholder"
  --var "LLMROUTE_CONFIG:${dev_config}")
worker/node_modules/.bin/wrangler dev "${exec_args[@]}" "$@"
