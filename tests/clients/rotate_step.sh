#!/bin/sh
# The rotation function the client suites rotate their secrets with:
# run_clients.py starts `cairn-rotate-exec --handler-name cairn-conformance --
# /bin/sh rotate_step.sh`, so a RotateSecret whose RotationLambdaARN is
# "arn:aws:lambda:<region>:<account>:function:cairn-conformance" reaches it.
# createSecret stores, as the AWSPENDING version, the value the runner left for
# the secret in $ROTATE_VALUES/<secret name, '/' as '_'> (read by `cairn` from
# the file: never on a command line, so never in a process listing); with no
# such file createSecret fails (exit 4), which keeps a run in flight for the
# suites' cancel tests. The other steps have nothing to set or test. cairn-rotate-exec gives the step, the ARN,
# the name, the pending version's id and the handler's profile in CAIRN_*
# variables; the runner gives CAIRN_BIN (the cairn binary) and ROTATE_VALUES.
set -eu
case "$CAIRN_ROTATION_STEP" in
  createSecret)
    # Idempotent, as AWS's template: keep a value an earlier attempt stored.
    if "$CAIRN_BIN" get-secret-value --secret-id "$CAIRN_SECRET_ID" --version-id "$CAIRN_CLIENT_REQUEST_TOKEN" \
         --version-stage AWSPENDING > /dev/null 2>&1; then
      exit 0
    fi
    file="$ROTATE_VALUES/$(printf '%s' "$CAIRN_SECRET_NAME" | tr / _)"
    [ -f "$file" ] || { echo "no value prepared for $CAIRN_SECRET_NAME" >&2; exit 4; }
    "$CAIRN_BIN" put-secret-value --secret-id "$CAIRN_SECRET_ID" --client-request-token "$CAIRN_CLIENT_REQUEST_TOKEN" \
      --secret-string "file://$file" --version-stages AWSPENDING > /dev/null
    ;;
  setSecret | testSecret | finishSecret)
    ;;
  *)
    echo "unknown step $CAIRN_ROTATION_STEP" >&2
    exit 2
    ;;
esac
