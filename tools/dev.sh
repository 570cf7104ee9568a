#!/usr/bin/env bash
# Builds Cairn, starts `cairnd --dev` on ./demo-data and walks through its main
# job over the network: secrets written, read, versioned and relabelled by the
# admin, a second principal enrolled with a policy, allowed what it may do and
# refused the rest (each decision audited with its deciding statement), the same
# secret read by the real aws CLI through the HTTP gateway (SigV4), the audit
# log tailed live, and the chain verified. Stops the daemon cleanly at the end
# (CAIRN_DEMO_KEEP=1 leaves it running).
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${CAIRN_DEMO_DIR:-./demo-data}
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target cairnd cairn cairn-audit
cairnd=./build/tools/cairnd
cairn=./build/tools/cairn
audit=./build/tools/cairn-audit
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

rm -rf "$data_dir" "$data_dir.log" "$data_dir.app-profile" "$data_dir.cp.txt" "$data_dir.read-billing.json"
http=127.0.0.1:7780
say "$cairnd" --dev --data-dir "$data_dir" --http-endpoint "$http" "2> $data_dir.log &"
"$cairnd" --dev --data-dir "$data_dir" --http-endpoint "$http" 2> "$data_dir.log" &
daemon=$!
stop_daemon() { kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true; }
[ "${CAIRN_DEMO_KEEP:-0}" = 1 ] || trap stop_daemon EXIT
for _ in $(seq 100); do grep -q '"msg":"ready"' "$data_dir.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"msg":"ready"' "$data_dir.log" || { cat "$data_dir.log"; exit 1; }
grep '"msg":"ready"' "$data_dir.log"

export CAIRN_PROFILE="$data_dir/dev-profile"
say export CAIRN_PROFILE="$CAIRN_PROFILE"   "# endpoints, the server's key, the admin's key pair"
v1=11111111-1111-4111-8111-111111111111   # version ids: normally made up by the CLI
v2=22222222-2222-4222-8222-222222222222
step "$cairn" create-secret --name prod/db --description "billing database" --tags Key=team,Value=billing \
  --secret-string '{"username":"app","password":"s3cret"}' --client-request-token "$v1"
step "$cairn" get-secret-value --secret-id prod/db
step "$cairn" put-secret-value --secret-id prod/db --secret-string '{"username":"app","password":"n3w-s3cret"}' \
  --client-request-token "$v2"
step "$cairn" update-secret-version-stage --secret-id prod/db --version-stage AWSCURRENT \
  --move-to-version-id "$v1" --remove-from-version-id "$v2"   # roll back
step "$cairn" list-secret-version-ids --secret-id prod/db
step "$cairn" principal create --name billing-app --tag team=billing --profile-out "$data_dir.app-profile"
step "$cairn" --profile "$data_dir.app-profile" get-secret-value --secret-id prod/db || true   # no policy yet
cat > "$data_dir.read-billing.json" <<'JSON'
{"Version": "2012-10-17",
 "Statement": [{"Sid": "ReadBillingSecrets", "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "billing"}}}]}
JSON
say cat "$data_dir.read-billing.json"
cat "$data_dir.read-billing.json"
step "$cairn" policy create --name read-billing --document "file://$data_dir.read-billing.json"
step "$cairn" principal attach-policy --name billing-app --policy read-billing
step "$cairn" policy simulate --principal billing-app --action secretsmanager:GetSecretValue --secret-id prod/db
step "$cairn" --profile "$data_dir.app-profile" get-secret-value --secret-id prod/db
step "$cairn" --profile "$data_dir.app-profile" put-secret-value --secret-id prod/db --secret-string x || true
step "$cairn" --profile "$data_dir.app-profile" principal list || true
step "$cairn" get-secret-value --secret-id prod/nope || true
# The AWS clients, unchanged: dev mode gave the admin an access key.
export AWS_SHARED_CREDENTIALS_FILE="$data_dir/dev-aws-credentials" AWS_CONFIG_FILE=/dev/null AWS_PAGER=""
say export AWS_SHARED_CREDENTIALS_FILE="$AWS_SHARED_CREDENTIALS_FILE"   "# [default] access key id, secret, region"
step /usr/bin/aws --endpoint-url "http://$http" secretsmanager get-secret-value --secret-id prod/db
step /usr/bin/aws --endpoint-url "http://$http" secretsmanager list-secrets --query 'SecretList[].Name'
step "$cairn" audit tail --from-seq 0 --count "$("$audit" export --data-dir "$data_dir" | wc -l)"
say "$audit" checkpoint --data-dir "$data_dir" "> $data_dir.cp.txt   # an auditor keeps this"
"$audit" checkpoint --data-dir "$data_dir" > "$data_dir.cp.txt"
cat "$data_dir.cp.txt"
if [ "${CAIRN_DEMO_KEEP:-0}" = 1 ]; then
  step "$audit" verify --data-dir "$data_dir" --since "$data_dir.cp.txt" --json
  printf '\ncairnd is still running (pid %s, log %s). Stop it with: kill %s\n' "$daemon" "$data_dir.log" "$daemon"
else
  say kill -TERM "$daemon" "  # cairnd drains, signs a checkpoint of its head, and exits"
  stop_daemon
  tail -1 "$data_dir.log"
  step "$audit" verify --data-dir "$data_dir" --since "$data_dir.cp.txt" --json
  printf '\nData directory: %s (delete it when done). Start it again with: %s --dev --data-dir %s\n' \
    "$data_dir" "$cairnd" "$data_dir"
fi
