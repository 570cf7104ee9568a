#!/usr/bin/env bash
# Installs the Debian packages Cairn builds and tests with, if any is missing.
# postgresql (Debian's default major version) is the real server the
# cairn-rotate-postgres tests start on loopback; libpq-dev is its client library.
set -euo pipefail
packages=(g++ cmake pkg-config make
  librocksdb-dev libcrypto++-dev libzmq3-dev cppzmq-dev
  flatbuffers-compiler libflatbuffers-dev catch2
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libssl-dev libjemalloc-dev
  awscli python3-boto3 wrk
  postgresql libpq-dev
  python3 python3-cryptography python3-zmq python3-flatbuffers)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm for the JS SDK conformance test: the machine's own if it has
# them (a nodejs build that bundles npm conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "deps: installing nodejs npm"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
