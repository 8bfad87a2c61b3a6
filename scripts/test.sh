#!/usr/bin/env bash
# Every test of the workspace. Installs the tools the tests call when they are missing:
# python3 runs shared/tools/gen_province.py in the end-to-end test; Debian's chromium and
# chromium-driver run the browser tests of the web application; LibreOffice Writer opens the
# generated DOCX documents (with Liberation fonts, Times New Roman's metrics); PostgreSQL
# serves the PostgreSQL tests; aiosmtpd receives the mail tests' messages. The code must be formatted and clippy-clean before the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v python3 >/dev/null || missing+=(python3)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -x /usr/bin/soffice ] || missing+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# aiosmtpd (PyPI): the real SMTP server the mail tests send to (crates/web/tests/support).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  python3 -m pip install -q aiosmtpd==1.4.6 2>/dev/null \
    || python3 -m pip install -q --break-system-packages aiosmtpd==1.4.6
fi
# PostgreSQL at 127.0.0.1:5432 (user postgres, trust) for the PostgreSQL tests, which make
# their own databases and drop them. Where none answers that way, Debian's postgresql is
# installed if missing and a throwaway trust cluster is started in /tmp/thidua-pg.
pg_trusts() {
  command -v psql >/dev/null && psql -h 127.0.0.1 -p 5432 -U postgres -w -Atc 'SELECT 1' postgres >/dev/null 2>&1
}
if ! pg_trusts && { ! command -v psql >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends postgresql
fi
if ! pg_trusts; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  # a cluster the package started on 5432 without trust gives way to the throwaway one
  command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | while read -r ver name port _; do
    [ "$port" = 5432 ] && pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  done
  dir=/tmp/thidua-pg
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "$bin/initdb -A trust -U postgres -D $dir" >/dev/null
  fi
  as_postgres "$bin/pg_ctl -D $dir -o '-p 5432 -k $dir -c listen_addresses=127.0.0.1' -l $dir/log -w start" >/dev/null
  pg_trusts || { echo "PostgreSQL did not start at 127.0.0.1:5432 (see $dir/log)" >&2; exit 1; }
fi
if [ ! -d ../shared ]; then
  echo "../shared must lie beside the project (spec, calendar, province generator)" >&2
  exit 1
fi
for tool in fmt clippy; do
  if ! cargo "$tool" --version >/dev/null 2>&1; then
    echo "cargo $tool is missing: rustup component add $([ "$tool" = fmt ] && echo rustfmt || echo clippy)" >&2
    exit 1
  fi
done
# One formatting and lint standard (rustfmt.toml; clippy with warnings as errors).
cargo fmt --all --check
python3 scripts/check_module_cycles.py
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The storage suite, the web application's suite, the command line's and the end-to-end
# test again, on PostgreSQL: every store of the first a database of its own
# (`thidua_store::testing::store`), every server of the second on a copy of the demo moved
# into PostgreSQL once (`tests/web/common.rs`), every command of the others with
# `--database-url` (the few tests of SQLite itself build an embedded store on purpose).
export THIDUA_TEST_BACKEND=postgres
cargo test --locked -p thidua-store --lib
cargo test --locked -p thidua-web --test web
cargo test --locked -p thidua --test cli --test e2e
