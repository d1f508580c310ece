#!/bin/sh
# Reminds people to rotate a third-party API key held in one KV v2 secret: when the current key is
# older than its rotation period, the job fails with what to do, so the schedule's failure
# notice is the reminder. It never writes the secret: only the key's issuer can make a new key.
# Needs only sh, curl, sed, tr and head (curlimages/curl, GitHub runners). Configuration comes
# from the environment:
#   VAULT_ADDR, VAULT_NAMESPACE (optional), KV_MOUNT, SECRET_PATH, SECRET_FIELD,
#   ROTATION_PERIOD_SECONDS, CHECK_INTERVAL_SECONDS, and either VAULT_TOKEN or
#   VAULT_AUTH_MOUNT + VAULT_ROLE + VAULT_JWT_FILE (Kubernetes auth with a projected token).
# The time of the last rotation is kept in the secret's custom_metadata as rotated_at (epoch seconds),
# which whoever writes the new key sets (the reminder says how).
set -eu

# No secret ever stands on curl's command line (the process list shows it to every user): the
# token reaches curl as a header on stdin.

# {{code:KV_PRELUDE}}

cat >&2 <<EOF
The API key in ${KV_MOUNT}/data/${SECRET_PATH} is due for rotation (last rotated at ${last}).
It is issued by a third party, so this job changes nothing: rotate it at the issuer, then write it
and record the time, which stops this reminder until the next period:
  vault kv put -mount=${KV_MOUNT} ${SECRET_PATH} ${SECRET_FIELD}=- < new-${SECRET_FIELD}.txt
  vault kv metadata patch -mount=${KV_MOUNT} -custom-metadata=rotated_at=\$(date -u +%s) ${SECRET_PATH}
EOF
exit 1
