#!/usr/bin/env bash
# Every test of the workspace. Installs the tools the tests call when they are missing
# (python3 runs shared/tools/gen_province.py in the end-to-end test).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null; then
  apt-get update -q && apt-get install -y -q python3
fi
if [ ! -d ../shared ]; then
  echo "../shared must lie beside the project (spec, calendar, province generator)" >&2
  exit 1
fi
cargo test --workspace --locked
