#!/usr/bin/env bash
# Regenerates worker/config/prices.json from a LiteLLM catalog (../shared/data/ holds one, with its
# provenance), keeping the models listed in prices.models.txt. Needs the native build (build/llmroute).
set -euo pipefail
cd "$(dirname "$0")/../.."
source_file="${1:-../shared/data/litellm-model-prices.json}"
build/llmroute import-litellm "$source_file" \
  --models worker/config/prices.models.txt \
  --version "litellm-caddc6dd-2025-11-21" --effective 2025-11-21 \
  --source "LiteLLM model_prices_and_context_window.json at commit caddc6dd0fc26931b3fcc4e91e81a3d90080f3ef (MIT License, Copyright (c) 2023 Berri AI)" \
  > worker/config/prices.json
echo "worker/config/prices.json: $(grep -c '^    "' worker/config/prices.json) models"
