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
# A password file from the Secret. A missing or empty key fails (an existingSecret
# without it would otherwise create the account with an empty password).
secret() {
  if [ ! -s "$SECRETS_DIR/$1" ]; then
    log "the Secret has no (or an empty) $1"
    return 1
  fi
  cat "$SECRETS_DIR/$1"
}

ordinal=$(mysql_ordinal "$POD_NAME") || exit 1
role=$(mysql_role "$ordinal" "$ARCHITECTURE")

# The image's first-run initialisation runs a temporary server with
# --skip-networking on the same socket: leave that one alone.
server_up() {
  [ "$(sql 'SELECT @@skip_networking' 2>/dev/null)" = 0 ]
}

reconcile_primary() {
  statements=""
  if [ "$role" = primary ]; then
    repl_pw=$(secret mysql-replication-password) || return 1
    clone_pw=$(secret mysql-clone-password) || return 1
    statements=$(sql_replication_users "$REPLICATION_USER" "$repl_pw" "$CLONE_USER" "$clone_pw")
  fi
  if [ -n "${METRICS_USER:-}" ]; then
    metrics_pw=$(secret mysql-metrics-password) || return 1
    statements="$statements
$(sql_metrics_user "$METRICS_USER" "$metrics_pw")"
  fi
  [ -n "$statements" ] || return 0
  printf '%s\n' "$statements" | sql_stdin
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
    start | attach)
      # Configured or not, (re)point at the primary with the password and TLS
      # settings of this start: after a password rotation (see the README) the
      # replication account's password is the one in the Secret now.
      repl_pw=$(secret mysql-replication-password) || return 1
      {
        if [ "$action" = start ]; then echo "STOP REPLICA;"; fi
        sql_change_source "$PRIMARY_HOST" "$PORT" "$REPLICATION_USER" "$repl_pw" \
          "${CONNECT_RETRY:-10}" "${TLS_DIR:+$TLS_DIR/ca.crt}"
      } | sql_stdin || return 1
      ;;
    clone)
      log "cloning the data of $PRIMARY_HOST:$PORT (mysqld restarts when it is done)"
      # A clone can outlast the liveness window: keep beating meanwhile, since
      # restarting the agent would kill the session and abort the clone.
      # (Its output goes nowhere so a leftover sleep holds no pipe of the caller's open.)
      (while true; do touch "$HEARTBEAT"; sleep 20; done) >/dev/null 2>&1 &
      beat=$!
      clone_pw=$(secret mysql-clone-password) || { kill "$beat" 2>/dev/null; return 1; }
      out=$(sql_clone "$PRIMARY_HOST" "$PORT" "$CLONE_USER" "$clone_pw" | sql_stdin 2>&1)
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
  # The marker is belt and braces (foreign GTIDs already stop a second clone):
  # a volume that refuses it is worth a warning, not a failed reconcile.
  touch "$MARKER" || log "warning: cannot write $MARKER; a later start relies on the GTID check alone"
  return 0
}

# Start scripts (startdbScripts): after each start of a writable server, in name order.
# A failing script fails the reconcile, so all of them run again at the next check.
run_startdb() {
  [ -n "${STARTDB_DIR:-}" ] && [ "$role" != replica ] || return 0
  for f in "$STARTDB_DIR"/*; do
    [ -e "$f" ] || continue
    case $f in
      *.sql)
        log "running start script $f"
        sql_stdin <"$f" || { log "start script $f failed"; return 1; }
        ;;
      *.sh)
        log "running start script $f"
        bash "$f" || { log "start script $f failed"; return 1; }
        ;;
    esac
  done
}

# With TLS, a renewed certificate (cert-manager rewrites the Secret, the kubelet the
# files) is loaded without a restart.
TLS_SEEN=""
reload_tls() {
  [ -n "${TLS_DIR:-}" ] || return 0
  now=$(cat "$TLS_DIR/tls.crt" "$TLS_DIR/ca.crt" 2>/dev/null | cksum)
  if [ -n "$TLS_SEEN" ] && [ "$now" != "$TLS_SEEN" ]; then
    log "certificate changed: ALTER INSTANCE RELOAD TLS"
    sql 'ALTER INSTANCE RELOAD TLS' || return 1
  fi
  TLS_SEEN=$now
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
    reconcile_primary && run_startdb
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
        reload_tls || log "TLS reload failed; will retry"
      fi
      sleep "$INTERVAL"
    done
    ;;
  *)
    echo "usage: agent.sh once|run" >&2
    exit 2
    ;;
esac
