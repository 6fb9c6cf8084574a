#!/usr/bin/env bash
# Debian's PostgreSQL server binaries (initdb, pg_ctl) for the tests that start a private server in a temp dir
# (assistant/storage/pgserver.py). Only the binaries are needed: no cluster is created and no service is started.
# Needs root or sudo; prints what to do otherwise.
set -euo pipefail
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then exit 0; fi
done
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "PostgreSQL is missing: install Debian's 'postgresql' package (apt-get install postgresql) to run the storage tests on it" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
# policy-rc.d: the package must not start (or enable) a system-wide server; the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# and no system-wide cluster either: only the binaries are wanted
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
