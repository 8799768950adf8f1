#!/usr/bin/env bash
# Headless Chromium for the browser tests, from Debian's packages (never a downloaded build).
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1
fi
command -v chromium >/dev/null 2>&1 && exit 0
echo "chromium is not installed (apt-get install chromium); browser tests need it" >&2
exit 1
