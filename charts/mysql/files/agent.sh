#!/bin/bash
# Replication agent, a sidecar of mysqld. Every step is idempotent:
#   primary  create the replication, clone and exporter accounts if missing
#   replica  empty          -> CLONE the primary's data (mysqld restarts)
#            cloned/seeded  -> CHANGE REPLICATION SOURCE ... AUTO_POSITION, START REPLICA
#            configured     -> START REPLICA (never clones again)
# and, when asked, label its own pod with its role for the read Service.
# `agent.sh once` reconciles once and exits; `agent.sh run` loops.
set -u
. "${SCRIPTS_DIR:-/scripts}/lib.sh"

CLIENT_CNF=${CLIENT_CNF:-/etc/mysql/client/root.cnf}
HEARTBEAT=${HEARTBEAT:-/tmp/agent.heartbeat}
MARKER=${SEEDED_MARKER:-$DATA_ROOT/.replica-seeded}
PORT=${SERVER_PORT:-3306}
INTERVAL=${AGENT_INTERVAL:-10}

log() { echo "agent: $*" >&2; }
sql() { mysql --defaults-extra-file="$CLIENT_CNF" --connect-timeout=5 -N -B -e "$1"; }
# Statements that carry passwords go through stdin, never argv.
sql_stdin() { mysql --defaults-extra-file="$CLIENT_CNF" --connect-timeout=5 -N -B; }
secret() { cat "$SECRETS_DIR/$1"; }

ordinal=$(mysql_ordinal "$POD_NAME") || exit 1
role=$(mysql_role "$ordinal" "$ARCHITECTURE")

# The image's first-run initialisation runs a temporary server with
# --skip-networking on the same socket: leave that one alone.
server_up() {
  [ "$(sql 'SELECT @@skip_networking' 2>/dev/null)" = 0 ]
}

reconcile_primary() {
  {
    if [ "$role" = primary ]; then
      sql_replication_users "$REPLICATION_USER" "$(secret mysql-replication-password)" \
        "$CLONE_USER" "$(secret mysql-clone-password)"
    fi
    if [ -n "${METRICS_USER:-}" ]; then
      sql_metrics_user "$METRICS_USER" "$(secret mysql-metrics-password)"
    fi
  } | sql_stdin
}

reconcile_replica() {
  configured=$(sql "SELECT COUNT(*) FROM performance_schema.replication_connection_configuration WHERE CHANNEL_NAME='' AND HOST<>''") || return 1
  cloned=$(sql "SELECT COUNT(*) FROM performance_schema.clone_status WHERE STATE='Completed'") || return 1
  # Belt and braces: data carrying the primary's transactions is never cloned over.
  gtids=$(sql "SELECT CONCAT(@@server_uuid, ' ', REPLACE(@@GLOBAL.gtid_executed, '\n', ''))") || return 1
  if [ "$(has_foreign_gtids ${gtids})" = 1 ]; then
    cloned=1
  fi
  seeded=0
  [ -f "$MARKER" ] && seeded=1
  [ "$configured" -gt 0 ] && configured=1
  [ "$cloned" -gt 0 ] && cloned=1
  action=$(replica_action "$configured" "$cloned" "$seeded")
  log "replica state: configured=$configured cloned=$cloned seeded=$seeded -> $action"
  case $action in
    start)
      sql 'START REPLICA' || return 1
      ;;
    attach)
      sql_change_source "$PRIMARY_HOST" "$PORT" "$REPLICATION_USER" "$(secret mysql-replication-password)" \
        "${CONNECT_RETRY:-10}" | sql_stdin || return 1
      ;;
    clone)
      log "cloning the data of $PRIMARY_HOST:$PORT (mysqld restarts when it is done)"
      # A clone can outlast the liveness window: keep beating meanwhile, since
      # restarting the agent would kill the session and abort the clone.
      # (Its output goes nowhere so a leftover sleep holds no pipe of the caller's open.)
      (while true; do touch "$HEARTBEAT"; sleep 20; done) >/dev/null 2>&1 &
      beat=$!
      out=$(sql_clone "$PRIMARY_HOST" "$PORT" "$CLONE_USER" "$(secret mysql-clone-password)" | sql_stdin 2>&1)
      rc=$?
      kill "$beat" 2>/dev/null
      # 3707: the clone finished but mysqld has no supervisor to restart it;
      # 2013: the connection dropped as it shut down. Both mean "done".
      if [ $rc -eq 0 ] || printf '%s' "$out" | grep -qE 'ERROR (3707|2013)'; then
        log "clone finished; waiting for mysqld to come back on the new data"
        return 2
      fi
      log "clone failed, will retry: $out"
      return 1
      ;;
  esac
  touch "$MARKER" 2>/dev/null || true
  return 0
}

label_pod() {
  [ "${ROLE_LABEL:-}" ] || return 0
  if ! command -v curl >/dev/null 2>&1; then
    log "no curl in the image: cannot label the pod; use readService.includePrimary=true"
    return 0
  fi
  sa=/var/run/secrets/kubernetes.io/serviceaccount
  curl -fsS --max-time 10 --cacert "$sa/ca.crt" \
    -H "Authorization: Bearer $(cat "$sa/token")" \
    -H 'Content-Type: application/merge-patch+json' \
    -X PATCH --data "$(pod_label_patch "$ROLE_LABEL" "$role")" \
    "https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}/api/v1/namespaces/${POD_NAMESPACE}/pods/${POD_NAME}" >/dev/null
}

reconcile() {
  if [ "$role" = replica ]; then
    reconcile_replica
  else
    reconcile_primary
  fi
}

# When mysqld started, in epoch seconds: a new value means a restarted server.
boot_time() {
  sql "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE FROM performance_schema.global_status WHERE VARIABLE_NAME='Uptime'" 2>/dev/null
}

case ${1:-run} in
  once)
    reconcile
    exit $?
    ;;
  run)
    log "$POD_NAME runs as the $role"
    done_boot=-1000
    labelled=0
    while true; do
      touch "$HEARTBEAT"
      if server_up; then
        boot=$(boot_time)
        boot=${boot:-0}
        if [ $((boot - done_boot)) -gt 5 ] || [ $((done_boot - boot)) -gt 5 ]; then
          if reconcile; then
            done_boot=$boot
            log "reconciled"
          fi
        fi
        if [ $labelled = 0 ] && label_pod; then
          labelled=1
        fi
      fi
      sleep "$INTERVAL"
    done
    ;;
  *)
    echo "usage: agent.sh once|run" >&2
    exit 2
    ;;
esac
