#!/usr/bin/env bash
# The load benchmark (issue 13): the server's pages under 64 connections on a province of
# 1 M dossiers, each as a ratio to the same server's trivial endpoint in the same run.
#   scripts/load.sh [DOSSIERS] [WORKDIR]     (default 1000000 dossiers, target/bench)
#   THIDUA_LOAD_PG=postgres://postgres@127.0.0.1:5432 scripts/load.sh   (the store on PostgreSQL)
# Needs wrk (apt), python3, a release build. Figures: BENCHMARKS.md ("Pages under load").
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${2:-target/bench}
mkdir -p "$work"
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
cargo build --release --locked -q -p thidua
prov="$work/prov-$n"
if [ ! -f "$prov/dossiers.csv" ]; then
  python3 ../shared/tools/gen_province.py "$prov" --dossiers "$n"
fi
exec python3 scripts/load.py "$prov" "$work"
