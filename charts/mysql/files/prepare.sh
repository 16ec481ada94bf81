#!/bin/bash
# Init container: write the client option files the probes, the agent and the
# exporter use, so no password ever appears on a command line or in env.
set -eu
. "${SCRIPTS_DIR:-/scripts}/lib.sh"
umask 077

# read first: a failed $(cat) inside a command's arguments would not stop the script under set -e
root_pw=$(cat "$SECRETS_DIR/mysql-root-password")
option_file root "$root_pw" /var/run/mysqld/mysqld.sock >"$CLIENT_DIR/root.cnf"
if [ -n "${METRICS_USER:-}" ]; then
  metrics_pw=$(cat "$SECRETS_DIR/mysql-metrics-password")
  option_file "$METRICS_USER" "$metrics_pw" 127.0.0.1 "${SERVER_PORT:-3306}" >"$CLIENT_DIR/exporter.cnf"
fi
echo "prepare: client option files written to $CLIENT_DIR" >&2
