#!/bin/bash
# Init container: write the client option files the probes, the agent and the
# exporter use, so no password ever appears on a command line or in env.
set -eu
. "${SCRIPTS_DIR:-/scripts}/lib.sh"
umask 077

# Read first: a failed read inside an argument would not stop the script (set -e).
root_pw=$(cat "$SECRETS_DIR/mysql-root-password")
[ -n "$root_pw" ] || { echo "prepare: the Secret's mysql-root-password is empty" >&2; exit 1; }
option_file root "$root_pw" /var/run/mysqld/mysqld.sock >"$CLIENT_DIR/root.cnf"
if [ -n "${METRICS_USER:-}" ]; then
  metrics_pw=$(cat "$SECRETS_DIR/mysql-metrics-password")
  [ -n "$metrics_pw" ] || { echo "prepare: the Secret's mysql-metrics-password is empty" >&2; exit 1; }
  if [ -n "${EXPORTER_SOCKET:-}" ]; then
    option_file "$METRICS_USER" "$metrics_pw" "$EXPORTER_SOCKET" >"$CLIENT_DIR/exporter.cnf"
  else
    option_file "$METRICS_USER" "$metrics_pw" 127.0.0.1 "${SERVER_PORT:-3306}" >"$CLIENT_DIR/exporter.cnf"
  fi
fi
echo "prepare: client option files written to $CLIENT_DIR" >&2
