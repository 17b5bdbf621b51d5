#!/usr/bin/env bash
# Idempotent: make sure a headless-capable Chromium is on PATH for the report browser test.
# Installs Debian's `chromium` package when missing and we are root; never downloads a
# browser build of its own (the machines reach package registries only).
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "install-chromium: $(command -v chromium) already present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: chromium is not on PATH and this is not root;" \
       "install the Debian package 'chromium' (apt-get install chromium) and retry" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: chromium is not on PATH and apt-get is not available;" \
       "install Chromium with this system's package manager" >&2
  exit 1
fi

echo "install-chromium: installing the Debian package 'chromium'"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; then
  echo "install-chromium: apt-get could not install 'chromium'" >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "install-chromium: the 'chromium' package installed but no chromium is on PATH" >&2
  exit 1
fi
echo "install-chromium: installed $(chromium --version 2>/dev/null || command -v chromium)"
