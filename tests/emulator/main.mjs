#!/usr/bin/env node
// Runs the AI Gateway emulator until SIGINT/SIGTERM (used by the local dev command).
//   node tests/emulator/main.mjs [--port 8790] [--gateway-token T] [--byok]

import { parseArgs } from "node:util";
import { startEmulator } from "./emulator.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8790" },
    "gateway-token": { type: "string" },
    byok: { type: "boolean", default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port: ${values.port}`);
  process.exit(2);
}

const emulator = await startEmulator({ port, gatewayToken: values["gateway-token"] ?? null, byok: values.byok });
console.log(`emulator listening on ${emulator.url}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => emulator.close().then(() => process.exit(0)));
}
