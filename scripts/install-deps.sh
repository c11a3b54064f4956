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
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
