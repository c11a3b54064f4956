#!/usr/bin/env bash
# Installs the Debian 12 packages Persona builds and tests with, only those missing.
# Idempotent and quiet when everything is present. Needs root (or sudo) only when installing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libeigen3-dev librocksdb-dev libabsl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhnswlib-dev
  libcpp-httplib-dev libssl-dev
  prometheus-cpp-dev
  nginx openssl python3 python3-yaml
  clang libclang-rt-14-dev
  python3-grpcio python3-protobuf nodejs
  curl jq
  chromium
)
# Node.js (20 or newer for playwright-core) and npm come with the machine
# image; Debian's nodejs has no npm, so add Debian's npm only when it is missing.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of the browser tests and the Node example, exactly as locked
# (package-lock.json), installed only when missing or older than the lock.
# playwright-core never downloads a browser: the tests use Debian's chromium.
root="$(cd "$(dirname "$0")/.." && pwd)"
for dir in tests/browser examples/node; do
  [ -f "$root/$dir/package-lock.json" ] || continue
  stamp="$root/$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$root/$dir/package-lock.json" -nt "$stamp" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
