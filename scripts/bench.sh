#!/usr/bin/env bash
# The dossier benchmark: thidua side by side with the tools people use today.
#   scripts/bench.sh [DOSSIERS] [WORKDIR]     (default 10000000 dossiers, target/bench)
# Needs python3 with duckdb (installed with pip when missing), sqlite3 (apt), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
work=${2:-target/bench}
mkdir -p "$work"
command -v sqlite3 >/dev/null || { apt-get update -q && apt-get install -y -q sqlite3; }
[ -x /usr/bin/time ] || { apt-get update -q && apt-get install -y -q time; }
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
cargo build --release --locked -q
cargo build --release --locked -q --example make_xlsx
prov="$work/prov-$n"
if [ ! -f "$prov/dossiers.csv" ]; then
  python3 ../shared/tools/gen_province.py "$prov" --dossiers "$n"
fi
exec python3 scripts/bench.py "$prov" "$work"
