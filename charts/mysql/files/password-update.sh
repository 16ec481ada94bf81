#!/bin/bash
# Pre-upgrade Job (passwordUpdateJob): change the password of every account the
# chart manages on the primary, from the previous Secret's (OLD_DIR) to the new
# Secret's (NEW_DIR). ALTER USER replicates, so the replicas follow; when the
# pods roll onto the new Secret, prepare writes new option files and each
# replica's agent re-points replication with the new password.
# Re-running is safe: when the previous root password no longer works but the
# new one does, the rotation already happened and the accounts are set again.
set -euo pipefail
command -v sql_quote >/dev/null 2>&1 || . "${SCRIPTS_DIR:-/scripts}/lib.sh"
umask 077

log() { echo "password-update: $*" >&2; }
# Password file of a Secret; a missing or empty key stops the Job before any change.
pw() {
  if [ ! -s "$1/$2" ]; then
    log "$1 has no (or an empty) $2"
    exit 1
  fi
  cat "$1/$2"
}

new_root=$(pw "$NEW_DIR" mysql-root-password)
new_app=$(pw "$NEW_DIR" mysql-password)
old_root=$(pw "$OLD_DIR" mysql-root-password)
if [ "$ARCHITECTURE" = replication ]; then
  new_repl=$(pw "$NEW_DIR" mysql-replication-password)
  new_clone=$(pw "$NEW_DIR" mysql-clone-password)
fi
if [ -n "${METRICS_USER:-}" ]; then
  new_metrics=$(pw "$NEW_DIR" mysql-metrics-password)
fi

cnf=$(mktemp)
trap 'rm -f "$cnf"' EXIT
login() {
  option_file root "$1" "$PRIMARY_HOST" "${SERVER_PORT:-3306}" >"$cnf"
  mysql --defaults-extra-file="$cnf" --connect-timeout=10 -N -B -e 'SELECT 1' >/dev/null
}

waited=0
until login "$old_root" || login "$new_root"; do
  if [ "$waited" -ge "${WAIT_SECONDS:-300}" ]; then
    log "cannot log in to $PRIMARY_HOST as root with the previous or the new password after ${waited}s"
    exit 1
  fi
  log "waiting for $PRIMARY_HOST"
  sleep 5
  waited=$((waited + 5))
done

log "changing the passwords on $PRIMARY_HOST"
{
  sql_alter_password "$APP_USER" % "$new_app"
  if [ "$ARCHITECTURE" = replication ]; then
    sql_alter_password "$REPLICATION_USER" % "$new_repl"
    sql_alter_password "$CLONE_USER" % "$new_clone"
  fi
  if [ -n "${METRICS_USER:-}" ]; then
    sql_alter_password "$METRICS_USER" % "$new_metrics"
  fi
  # root last: this session is root's.
  sql_alter_password root localhost "$new_root"
  sql_alter_password root "$ROOT_HOST" "$new_root"
} | mysql --defaults-extra-file="$cnf" --connect-timeout=10 -N -B
log "done: the pods now roll onto the new Secret"
