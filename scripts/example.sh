#!/usr/bin/env bash
# The product's main job on a realistic synthetic province: build, create a store, import
# units, heads, procedures, a year of dossiers and entered values, evaluate every head.
#   scripts/example.sh [DOSSIERS] [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
data=${2:-$(mktemp -d)/thidua-data}
prov=$(mktemp -d)/province
cargo build --release --locked -q
bin=target/release/thidua
python3 ../shared/tools/gen_province.py "$prov" --dossiers "$n"
"$bin" --data-dir "$data" init
for kind in units heads procedures dossiers values; do
  "$bin" --data-dir "$data" import "$kind" "$prov/$kind.csv"
done
"$bin" --data-dir "$data" evaluate --year 2023 --xlsx "$data/ket-qua-2023.xlsx" | tail -n 25
echo "Kho dữ liệu / store: $data"
