# shellcheck shell=sh
# Pure functions shared by the chart's scripts: role and server-id from the pod
# ordinal, the SQL the agent sends, and the decisions it takes. Nothing here
# talks to mysqld or the API server, so tests source this file and call the
# functions directly.

# mysql_ordinal POD_NAME -> the StatefulSet ordinal (digits after the last '-').
mysql_ordinal() {
  _n=${1##*-}
  case $_n in
    '' | *[!0-9]*)
      echo "mysql: cannot read a StatefulSet ordinal from pod name '$1'" >&2
      return 1
      ;;
  esac
  echo "$_n"
}

# mysql_role ORDINAL ARCHITECTURE -> standalone | primary | replica.
# Ordinal 0 is always the primary: no automatic failover (see the README).
mysql_role() {
  if [ "$2" != replication ]; then
    echo standalone
  elif [ "$1" -eq 0 ]; then
    echo primary
  else
    echo replica
  fi
}

# mysql_server_id ORDINAL BASE -> BASE + ORDINAL, stable across restarts.
mysql_server_id() {
  echo $(($2 + $1))
}

# mysqld_args ROLE SERVER_ID REPORT_HOST DATADIR_INITIALIZED(0|1)
# Extra mysqld arguments, one per line. A replica is made super_read_only only
# once its datadir exists: the image's first-run initialisation writes to a
# temporary server started with the same arguments, and the clone that seeds
# the replica needs a writable recipient.
mysqld_args() {
  echo "--server-id=$2"
  echo "--report-host=$3"
  if [ "$1" = replica ] && [ "$4" = 1 ]; then
    echo "--read-only=ON"
    echo "--super-read-only=ON"
  fi
}

# sql_quote STRING -> STRING escaped for a single-quoted SQL literal.
sql_quote() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g"
}

# replica_action SOURCE_CONFIGURED CLONE_COMPLETED SEEDED_MARKER (each 0|1)
#   start  - replication is configured: just make sure it runs
#   attach - the data came from the primary (clone finished, or seeded before):
#            point at the primary and start, never clone again
#   clone  - an empty, freshly initialised replica: copy the primary first
replica_action() {
  if [ "$1" = 1 ]; then
    echo start
  elif [ "$2" = 1 ] || [ "$3" = 1 ]; then
    echo attach
  else
    echo clone
  fi
}

# has_foreign_gtids OWN_UUID [GTID_SET] -> 1 when the set holds transactions of
# another server (the data came from the primary, by clone or replication),
# 0 when it holds only this server's own (a freshly initialised datadir).
has_foreign_gtids() {
  _own=$1
  _set=$(printf '%s' "${2:-}" | tr -d ' \n')
  _old_ifs=$IFS
  IFS=,
  for _entry in $_set; do
    _uuid=${_entry%%:*}
    if [ -n "$_uuid" ] && [ "$_uuid" != "$_own" ]; then
      IFS=$_old_ifs
      echo 1
      return 0
    fi
  done
  IFS=$_old_ifs
  echo 0
}

# sql_replication_users REPL_USER REPL_PASS CLONE_USER CLONE_PASS
# Accounts the primary needs for replicas; idempotent, and they replicate.
sql_replication_users() {
  printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" "$(sql_quote "$1")" "$(sql_quote "$2")"
  printf "GRANT REPLICATION SLAVE ON *.* TO '%s'@'%%';\n" "$(sql_quote "$1")"
  # BACKUP_ADMIN is all a donor needs. The recipient's side (CLONE_ADMIN,
  # clone_valid_donor_list) is done by the replica's local root, so the network
  # account gets neither CLONE_ADMIN nor the SHUTDOWN that comes with it.
  printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" "$(sql_quote "$3")" "$(sql_quote "$4")"
  printf "GRANT BACKUP_ADMIN ON *.* TO '%s'@'%%';\n" "$(sql_quote "$3")"
}

# sql_metrics_user USER PASS -> the exporter's least-privilege account.
sql_metrics_user() {
  printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS 3;\n" "$(sql_quote "$1")" "$(sql_quote "$2")"
  printf "GRANT PROCESS, REPLICATION CLIENT ON *.* TO '%s'@'%%';\n" "$(sql_quote "$1")"
  printf "GRANT SELECT ON performance_schema.* TO '%s'@'%%';\n" "$(sql_quote "$1")"
}

# sql_clone DONOR_HOST PORT CLONE_USER CLONE_PASS
# Replaces the local data with the donor's. The recipient then restarts; in a
# container that ends in ERROR 3707 and the kubelet restarts mysqld.
sql_clone() {
  printf "SET GLOBAL clone_valid_donor_list = '%s:%s';\n" "$(sql_quote "$1")" "$2"
  printf "CLONE INSTANCE FROM '%s'@'%s':%s IDENTIFIED BY '%s';\n" \
    "$(sql_quote "$3")" "$(sql_quote "$1")" "$2" "$(sql_quote "$4")"
}

# sql_change_source SOURCE_HOST PORT REPL_USER REPL_PASS CONNECT_RETRY
# GTID auto-positioning; GET_SOURCE_PUBLIC_KEY=1 because the replication
# account uses caching_sha2_password over a connection without TLS. The retry
# count is high so that replicas wait out a long primary restart instead of
# giving up after the default 10 attempts.
# With a 6th argument (the CA file) the connection uses TLS and checks the
# primary's certificate against that CA.
sql_change_source() {
  _tls=""
  if [ -n "${6:-}" ]; then
    _tls=$(printf ", SOURCE_SSL=1, SOURCE_SSL_CA='%s'" "$(sql_quote "$6")")
  fi
  printf "CHANGE REPLICATION SOURCE TO SOURCE_HOST='%s', SOURCE_PORT=%s, SOURCE_USER='%s', SOURCE_PASSWORD='%s', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=%s, SOURCE_RETRY_COUNT=86400%s;\n" \
    "$(sql_quote "$1")" "$2" "$(sql_quote "$3")" "$(sql_quote "$4")" "$5" "$_tls"
  echo "START REPLICA;"
}

# sql_alter_password USER HOST PASSWORD -> sets an account's password if the account exists.
sql_alter_password() {
  printf "ALTER USER IF EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n" "$(sql_quote "$1")" "$(sql_quote "$2")" "$(sql_quote "$3")"
}

# replica_status_field NAME < `SHOW REPLICA STATUS\G` output -> the value.
replica_status_field() {
  sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" | head -n 1
}

# replica_ready MAX_LAG < `SHOW REPLICA STATUS\G` output
# Exit 0 when both replication threads run and the lag is at most MAX_LAG
# seconds; otherwise print why on stderr and exit 1.
replica_ready() {
  _status=$(cat)
  if [ -z "$_status" ]; then
    echo "not ready: replication is not configured" >&2
    return 1
  fi
  _io=$(printf '%s\n' "$_status" | replica_status_field Replica_IO_Running)
  _sql=$(printf '%s\n' "$_status" | replica_status_field Replica_SQL_Running)
  _lag=$(printf '%s\n' "$_status" | replica_status_field Seconds_Behind_Source)
  if [ "$_io" != Yes ] || [ "$_sql" != Yes ]; then
    echo "not ready: Replica_IO_Running=$_io Replica_SQL_Running=$_sql" >&2
    return 1
  fi
  case $_lag in
    '' | *[!0-9]*)
      echo "not ready: Seconds_Behind_Source=$_lag" >&2
      return 1
      ;;
  esac
  if [ "$_lag" -gt "$1" ]; then
    echo "not ready: $_lag s behind the source (limit $1 s)" >&2
    return 1
  fi
  return 0
}

# option_file USER PASSWORD [SOCKET|HOST PORT] -> a [client] option file.
# Values are double-quoted; backslashes are escaped as the option-file syntax wants.
option_file() {
  _pw=$(printf '%s' "$2" | sed -e 's/\\/\\\\/g')
  echo "[client]"
  echo "user=\"$1\""
  echo "password=\"$_pw\""
  if [ $# -ge 4 ]; then
    echo "host=$3"
    echo "port=$4"
  elif [ -n "${3:-}" ]; then
    echo "socket=$3"
  fi
}

# pod_label_patch KEY VALUE -> the merge-patch body that labels a pod.
pod_label_patch() {
  printf '{"metadata":{"labels":{"%s":"%s"}}}' "$1" "$2"
}

# backups_to_delete KEEP < newest-first list of files -> the ones past KEEP.
backups_to_delete() {
  tail -n +"$(($1 + 1))"
}
