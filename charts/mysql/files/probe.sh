#!/bin/bash
# Probes.
#   live   mysqld answers (mysqladmin ping succeeds even on "access denied").
#   ready  primary/standalone: accepts queries on the network (not the
#          --skip-networking server of the first-run initialisation);
#          replica: both replication threads run and the lag is at most
#          MAX_LAG_SECONDS.
#   agent  the replication agent's loop has beaten in the last two minutes.
set -u
. "${SCRIPTS_DIR:-/scripts}/lib.sh"
CLIENT_CNF=${CLIENT_CNF:-/etc/mysql/client/root.cnf}

case ${1:-} in
  live)
    exec mysqladmin --defaults-extra-file="$CLIENT_CNF" --connect-timeout=5 ping
    ;;
  ready)
    ordinal=$(mysql_ordinal "$POD_NAME") || exit 1
    role=$(mysql_role "$ordinal" "$ARCHITECTURE")
    if [ "$role" = replica ]; then
      mysql --defaults-extra-file="$CLIENT_CNF" --connect-timeout=5 -e 'SHOW REPLICA STATUS\G' | replica_ready "${MAX_LAG_SECONDS:-30}"
      exit $?
    fi
    [ "$(mysql --defaults-extra-file="$CLIENT_CNF" --connect-timeout=5 -N -B -e 'SELECT @@skip_networking')" = 0 ]
    ;;
  agent)
    [ -n "$(find "${HEARTBEAT:-/tmp/agent.heartbeat}" -mmin -2 2>/dev/null)" ]
    ;;
  *)
    echo "usage: probe.sh live|ready|agent" >&2
    exit 2
    ;;
esac
