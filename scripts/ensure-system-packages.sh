#!/usr/bin/env bash
# The tests use real tools: Chromium (browser tests), poppler-utils (pdfsig, pdfdetach),
# qpdf and libnss3-tools (certutil). As root on Debian they are installed; otherwise the
# missing ones are named and this fails: a whole class of tests is never skipped silently.
set -euo pipefail
declare -A needs=([chromium]=/usr/bin/chromium [poppler-utils]=pdfsig [qpdf]=qpdf [libnss3-tools]=certutil [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)
missing=()
for pkg in "${!needs[@]}"; do
  { command -v "${needs[$pkg]}" >/dev/null 2>&1 || [ -e "${needs[$pkg]}" ]; } || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages needed by the tests: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
