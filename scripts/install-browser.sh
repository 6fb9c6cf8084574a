#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it through executable_path; nothing is downloaded by
# Playwright itself). Needs root or sudo; prints what to do otherwise.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium is missing: install Debian's 'chromium' package (apt-get install chromium) to run the browser tests" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core
