#!/bin/bash
# Container command of mysqld: work out this pod's role and server-id from its
# StatefulSet ordinal, then hand over to the image's entrypoint. Runs again on
# every container restart, so a replica that has just been seeded by CLONE
# comes back super_read_only.
set -eu
. "${SCRIPTS_DIR:-/scripts}/lib.sh"

ordinal=$(mysql_ordinal "$POD_NAME")
role=$(mysql_role "$ordinal" "$ARCHITECTURE")
server_id=$(mysql_server_id "$ordinal" "$SERVER_ID_BASE")
initialized=0
if [ -d "$DATADIR/mysql" ]; then
  initialized=1
fi

extra=$(mysqld_args "$role" "$server_id" "$POD_NAME.$HEADLESS_DOMAIN" "$initialized")
args=()
while IFS= read -r line; do
  args+=("$line")
done <<<"$extra"

echo "mysql: $POD_NAME is the $role (server-id $server_id, datadir initialised: $initialized)" >&2
exec "${ENTRYPOINT:-docker-entrypoint.sh}" mysqld "${args[@]}" "$@"
