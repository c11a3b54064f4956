#!/usr/bin/env bash
# Starts persona-server in the foreground on 127.0.0.1:50051 (gRPC) and
# 127.0.0.1:8080 (HTTP: the JSON API and the dashboard at /admin/; set
# PERSONA_HTTP_LISTEN to move it) with its data in var/data (inside the
# checkout, ignored by git). On the first start the demo
# shop (a sample of the UCI Online Retail data) is loaded. Ctrl-C stops it
# cleanly. Usage: scripts/run-server.sh [build-dir] [extra persona-server flags]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
mkdir -p var
exec "$build/server/persona-server" \
  --listen="${PERSONA_LISTEN:-127.0.0.1:50051}" \
  --http_listen="${PERSONA_HTTP_LISTEN:-127.0.0.1:8080}" \
  --data_dir=var/data \
  --demo_csv=data/demo/online-retail-sample.csv.gz \
  --set=training.validation_fraction=0.1 \
  "$@"
