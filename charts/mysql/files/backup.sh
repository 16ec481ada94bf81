#!/bin/bash
# CronJob: a consistent logical dump (InnoDB snapshot, GTID set and binlog
# coordinates included) of BACKUP_HOST into BACKUP_DIR, keeping the newest KEEP.
set -euo pipefail
. "${SCRIPTS_DIR:-/scripts}/lib.sh"
umask 077

out="$BACKUP_DIR/mysql-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
cnf=$(mktemp)
# Retention only counts finished dumps, so half files must not pile up on the
# claim: a failed dump removes its own, and one killed at the deadline is
# removed by the next run (concurrencyPolicy Forbid: no other run is writing).
trap 'rm -f "$cnf" "$out.partial"' EXIT
find "$BACKUP_DIR" -maxdepth 1 -name 'mysql-*.sql.gz.partial' -delete
root_pw=$(cat "$SECRETS_DIR/mysql-root-password")
option_file root "$root_pw" "$BACKUP_HOST" "${SERVER_PORT:-3306}" >"$cnf"

echo "backup: dumping $BACKUP_HOST to $out" >&2
mysqldump --defaults-extra-file="$cnf" --single-transaction --source-data=2 --set-gtid-purged=ON \
  --routines --events --triggers --all-databases | gzip >"$out.partial"
mv "$out.partial" "$out"

# Names sort by time, newest first.
find "$BACKUP_DIR" -maxdepth 1 -name 'mysql-*.sql.gz' | sort -r | backups_to_delete "$KEEP" | while IFS= read -r old; do
  echo "backup: removing $old (keeping $KEEP)" >&2
  rm -f "$old"
done
