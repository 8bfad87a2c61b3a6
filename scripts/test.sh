#!/usr/bin/env bash
# Every test of the workspace. Installs the tools the tests call when they are missing:
# python3 runs shared/tools/gen_province.py in the end-to-end test; Debian's chromium and
# chromium-driver run the browser tests of the web application; LibreOffice Writer opens the
# generated DOCX documents (with Liberation fonts, Times New Roman's metrics). The code must be
# formatted and clippy-clean before the tests run.
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
