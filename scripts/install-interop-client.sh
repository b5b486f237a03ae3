#!/usr/bin/env bash
# Installs Debian's stock Ganeti 3.0 client (Python luxi library, gnt-job) for the interop
# tests, without starting any service. Skipped when already present; a machine without
# apt (or without root) skips it and the interop tests say they were skipped.
set -uo pipefail
if [ -f /usr/share/ganeti/3.0/ganeti/luxi.py ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "install-interop-client: no apt-get or not root; interop tests will be skipped" >&2
  exit 0
fi
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends ganeti-3.0 groff-base man-db tmux >/dev/null
ls /usr/share/ganeti/3.0/gnt-job >/dev/null
