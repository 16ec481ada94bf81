#!/bin/bash
# Init container: write the client option files the probes, the agent and the
# exporter use, so no password ever appears on a command line or in env.
set -eu
. "${SCRIPTS_DIR:-/scripts}/lib.sh"
umask 077

option_file root "$(cat "$SECRETS_DIR/mysql-root-password")" /var/run/mysqld/mysqld.sock >"$CLIENT_DIR/root.cnf"
if [ -n "${METRICS_USER:-}" ]; then
  option_file "$METRICS_USER" "$(cat "$SECRETS_DIR/mysql-metrics-password")" 127.0.0.1 "${SERVER_PORT:-3306}" >"$CLIENT_DIR/exporter.cnf"
fi
echo "prepare: client option files written to $CLIENT_DIR" >&2
