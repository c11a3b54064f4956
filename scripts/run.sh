#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and starts
# persona-server on 127.0.0.1:50051 with an embedded RocksDB store in var/data,
# loading the demo shop on first start. Extra arguments go to persona-server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build
exec scripts/run-server.sh build "$@"
