#!/usr/bin/env bash
# Builds Cairn and walks through its main job on a local data directory:
# a new ledger, a secret written, read, versioned, and the audit chain verified.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${CAIRN_DEMO_DIR:-./demo-data}
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target cairn cairn-audit
cairn=./build/tools/cairn
audit=./build/tools/cairn-audit
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

rm -rf "$data_dir" "$data_dir.cp.txt"
step "$cairn" init --data-dir "$data_dir"
step "$cairn" --data-dir "$data_dir" create-secret --name prod/db \
  --description "billing database" --tags Key=team,Value=billing \
  --secret-string '{"username":"app","password":"s3cret"}'
step "$cairn" --data-dir "$data_dir" get-secret-value --secret-id prod/db
step "$cairn" --data-dir "$data_dir" put-secret-value --secret-id prod/db \
  --secret-string '{"username":"app","password":"n3w-s3cret"}'
step "$cairn" --data-dir "$data_dir" get-secret-value --secret-id prod/db --version-stage AWSPREVIOUS
step "$cairn" --data-dir "$data_dir" describe-secret --secret-id prod/db
step "$cairn" --data-dir "$data_dir" get-secret-value --secret-id prod/nope || true
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say "$audit" checkpoint --data-dir "$data_dir" "> $data_dir.cp.txt   # an auditor keeps this"
"$audit" checkpoint --data-dir "$data_dir" > "$data_dir.cp.txt"
cat "$data_dir.cp.txt"
say "$cairn" --data-dir "$data_dir" list-secrets --filters Key=name,Values=prod/ "> /dev/null"
"$cairn" --data-dir "$data_dir" list-secrets --filters Key=name,Values=prod/ > /dev/null
step "$audit" verify --data-dir "$data_dir" --since "$data_dir.cp.txt" --json
step "$audit" prove --data-dir "$data_dir" --seq 2 --json
printf '\nThe audit trail (every call above, the failed read included), from cairn-audit export:\n'
"$audit" export --data-dir "$data_dir" |
  sed -E -e 's/.*"eventName":"([^"]*)".*"errorCode":"([^"]*)".*"seq":([0-9]+).*/  seq \3  \1  -> \2/' \
         -e 's/.*"eventName":"([^"]*)".*"seq":([0-9]+).*/  seq \2  \1/'
printf '\nEach line is CloudTrail-shaped JSON with the record'"'"'s seq and leaf hash; no secret value appears in it.\n'
printf '\nData directory: %s (delete it when done). Try: %s --data-dir %s --help\n' "$data_dir" "$cairn" "$data_dir"
