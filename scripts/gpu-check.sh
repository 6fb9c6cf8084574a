#!/usr/bin/env bash
# The local-model check for a machine with a CUDA GPU and torch/transformers installed, no network needed:
#   scripts/gpu-check.sh [--json out.json]    on CUDA (a few minutes at most; exits 2 if there is no CUDA device)
#   scripts/gpu-check.sh --cpu                 the same checks on a tiny config on CPU (CI)
# Prints one table and writes JSON (var/gpu-check.json unless --json says where). See generation/gpucheck.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PYTHON" -m generation.gpucheck "$@"
