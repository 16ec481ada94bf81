"""Behaviour of charts/mysql: the rendered objects, and the scripts the pods run.

The scripts (charts/mysql/files/*.sh) run in the official image, which has
bash but no python. Their decisions are tested here by running them with bash
against a stub `mysql` client that records every statement it is sent.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "mysql"
FILES = ROOT / "charts" / "mysql" / "files"
LIB = FILES / "lib.sh"

REPLICATION: dict = {}  # the chart's defaults: primary + 2 replicas
STANDALONE = {"architecture": "standalone"}
INCLUDE_PRIMARY = {"readService": {"includePrimary": True}}
EXISTING = {"auth": {"existingSecret": "mysql-credentials"}}
METRICS = {"metrics": {"enabled": True}, "networkPolicy": {"enabled": True, "metricsNamespaces": ["monitoring"]}}
BACKUP = {"backup": {"enabled": True, "keep": 5}}
NETPOL = {"networkPolicy": {"enabled": True, "allowedNamespaces": ["wordpress"]}}
SC_GLOBAL = {"global": {"storageClass": "sc-nfs"}}


def sts(values: dict | None = None) -> dict:
    return one(render(CHART, values), "StatefulSet")


def container(obj: dict, name: str) -> dict:
    return next(c for c in containers(obj) if c["name"] == name)


def env_of(c: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in c.get("env", [])}


def lib(call: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", f'. "{LIB}"; {call}'], capture_output=True, text=True, check=False)


# --- role, server-id and SQL (files/lib.sh) ---------------------------------


@pytest.mark.parametrize(
    ("ordinal", "architecture", "role", "server_id"),
    [(0, "replication", "primary", "100"), (1, "replication", "replica", "101"), (2, "replication", "replica", "102"), (0, "standalone", "standalone", "100")],
)
def test_role_and_server_id_follow_the_ordinal(ordinal, architecture, role, server_id):
    out = lib(f"mysql_role {ordinal} {architecture}; mysql_server_id {ordinal} 100")
    assert out.stdout.split() == [role, server_id]


def test_ordinal_is_read_from_the_pod_name():
    assert lib("mysql_ordinal wordpress-mysql-12").stdout.strip() == "12"
    bad = lib("mysql_ordinal mysql-abc")
    assert bad.returncode != 0 and "ordinal" in bad.stderr


def test_sql_literals_escape_quotes_and_backslashes():
    assert lib("sql_quote \"it's a\\\\b\"").stdout == "it''s a\\\\b"


def test_change_source_uses_gtid_auto_position_and_the_source_public_key():
    sql = lib("sql_change_source db-0.db-headless.ns.svc.cluster.local 3306 repl secret 10").stdout
    assert "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db-0.db-headless.ns.svc.cluster.local'" in sql
    assert "SOURCE_AUTO_POSITION=1" in sql and "GET_SOURCE_PUBLIC_KEY=1" in sql
    assert "SOURCE_CONNECT_RETRY=10," in sql and "SOURCE_RETRY_COUNT=86400" in sql  # outlasts a primary restart
    assert sql.strip().endswith("START REPLICA;")


@pytest.mark.parametrize(
    ("status", "ready"),
    [
        ("Replica_IO_Running: Yes\nReplica_SQL_Running: Yes\nSeconds_Behind_Source: 3", True),
        ("Replica_IO_Running: Yes\nReplica_SQL_Running: Yes\nSeconds_Behind_Source: 31", False),
        ("Replica_IO_Running: Connecting\nReplica_SQL_Running: Yes\nSeconds_Behind_Source: NULL", False),
        ("Replica_IO_Running: Yes\nReplica_SQL_Running: No\nSeconds_Behind_Source: 0", False),
        ("", False),
    ],
)
def test_replica_readiness_needs_both_threads_and_little_lag(status, ready):
    out = subprocess.run(["bash", "-c", f'. "{LIB}"; replica_ready 30'], input=status, capture_output=True, text=True, check=False)
    assert (out.returncode == 0) is ready


def test_backup_retention_deletes_only_past_the_newest_n():
    listing = "\n".join(f"/b/mysql-2026010{i}.sql.gz" for i in range(9, 0, -1)) + "\n"
    out = subprocess.run(["bash", "-c", f'. "{LIB}"; backups_to_delete 7'], input=listing, capture_output=True, text=True, check=False)
    assert out.stdout.split() == ["/b/mysql-20260102.sql.gz", "/b/mysql-20260101.sql.gz"]


def test_role_label_patch_is_a_json_merge_patch():
    import json

    body = json.loads(lib("pod_label_patch mysql.feng.org/role replica").stdout)
    assert body == {"metadata": {"labels": {"mysql.feng.org/role": "replica"}}}


# --- the dump job (files/backup.sh) against a stub mysqldump -----------------


def run_backup(tmp_path: Path, dump_ok: bool, keep: int = 2) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mysqldump").write_text('#!/bin/bash\necho "-- mysqldump $*"\n' + ("" if dump_ok else "exit 2\n"))
    (bindir / "mysqldump").chmod(0o755)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "mysql-root-password").write_text("root-S3cret")
    backups = tmp_path / "backup"
    backups.mkdir()
    for name in ("mysql-20260101T023000Z.sql.gz", "mysql-20260102T023000Z.sql.gz", "mysql-20260103T023000Z.sql.gz.partial"):
        (backups / name).write_text("old")
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "SCRIPTS_DIR": str(FILES),
        "SECRETS_DIR": str(secrets),
        "BACKUP_HOST": "db-1.db-headless",
        "BACKUP_DIR": str(backups),
        "KEEP": str(keep),
        "TMPDIR": str(tmp_path),
    }
    out = subprocess.run(["bash", str(FILES / "backup.sh")], env=env, capture_output=True, text=True, check=False)
    return out, sorted(p.name for p in backups.iterdir())


def test_backup_keeps_the_newest_dumps_and_no_half_files(tmp_path):
    out, files = run_backup(tmp_path, dump_ok=True)
    assert out.returncode == 0, out.stderr
    assert len(files) == 2 and "mysql-20260102T023000Z.sql.gz" in files
    assert not [f for f in files if f.endswith(".partial")]  # the stale one of a stopped run is gone too
    newest = gzip.decompress((tmp_path / "backup" / files[-1]).read_bytes()).decode()
    assert "--single-transaction" in newest and "--all-databases" in newest  # consistent, everything
    assert "--defaults-extra-file=" in newest and "S3cret" not in newest  # the password stays in a file


def test_failed_backup_fails_the_job_and_leaves_no_half_file(tmp_path):
    out, files = run_backup(tmp_path, dump_ok=False)
    assert out.returncode != 0
    assert files == ["mysql-20260101T023000Z.sql.gz", "mysql-20260102T023000Z.sql.gz"]


# --- mysqld arguments (files/run-mysqld.sh) ---------------------------------


def run_mysqld(tmp_path: Path, pod: str, architecture: str, datadir_exists: bool) -> list[str]:
    stub = tmp_path / "entrypoint"
    stub.write_text('#!/bin/bash\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    datadir = tmp_path / "data"
    if datadir_exists:
        (datadir / "mysql").mkdir(parents=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "SCRIPTS_DIR": str(FILES),
        "ENTRYPOINT": str(stub),
        "POD_NAME": pod,
        "ARCHITECTURE": architecture,
        "SERVER_ID_BASE": "100",
        "HEADLESS_DOMAIN": "db-headless.ns.svc.cluster.local",
        "DATADIR": str(datadir),
    }
    out = subprocess.run(["bash", str(FILES / "run-mysqld.sh")], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_primary_starts_writable_with_its_server_id(tmp_path):
    args = run_mysqld(tmp_path, "db-0", "replication", datadir_exists=True)
    assert args[0] == "mysqld" and "--server-id=100" in args
    assert "--report-host=db-0.db-headless.ns.svc.cluster.local" in args
    assert "--super-read-only=ON" not in args


def test_seeded_replica_starts_super_read_only(tmp_path):
    args = run_mysqld(tmp_path, "db-2", "replication", datadir_exists=True)
    assert "--server-id=102" in args and "--super-read-only=ON" in args


def test_empty_replica_starts_writable_so_the_image_can_initialise_it(tmp_path):
    args = run_mysqld(tmp_path, "db-1", "replication", datadir_exists=False)
    assert "--server-id=101" in args and "--super-read-only=ON" not in args


# --- the agent (files/agent.sh) against a stub mysql ------------------------

STUB_MYSQL = r"""#!/bin/bash
printf 'ARGV: %s\n' "$*" >> "$STUB_LOG"
sql=""
prev=""
for a in "$@"; do [ "$prev" = "-e" ] && sql="$a"; prev="$a"; done
[ -z "$sql" ] && sql=$(cat)
printf 'SQL: %s\n' "$sql" >> "$STUB_LOG"
case "$sql" in
  *replication_connection_configuration*) echo "${FAKE_CONFIGURED:-0}" ;;
  *clone_status*) echo "${FAKE_CLONED:-0}" ;;
  *gtid_executed*) echo "${FAKE_GTIDS:-1111-self 1111-self:1-12}" ;;
  *skip_networking*) echo 0 ;;
  *"CLONE INSTANCE"*)
    echo "ERROR 3707 (HY000) at line 2: Restart server failed (mysqld is not managed by supervisor process)." >&2
    exit 1 ;;
esac
exit 0
"""


def agent_env() -> dict[str, str]:
    """The agent's env exactly as the chart renders it (pod name set per test)."""
    env = {k: v for k, v in env_of(container(sts(), "agent")).items() if v is not None}
    assert env["PRIMARY_HOST"] == "test-mysql-0.test-mysql-headless.default.svc.cluster.local"
    return env


def run_agent(tmp_path: Path, pod: str, configured: int = 0, cloned: int = 0, seeded: bool = False, gtids: str | None = None):
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / "mysql").write_text(STUB_MYSQL)
    (bindir / "mysql").chmod(0o755)
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    for key in ("root", "replication", "clone", "metrics"):
        (secrets / f"mysql-{key}-password").write_text(f"{key}-S3cret")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if seeded:
        (data / ".replica-seeded").touch()
    log = tmp_path / "mysql.log"
    env = agent_env() | {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "POD_NAME": pod,
        "SCRIPTS_DIR": str(FILES),
        "SECRETS_DIR": str(secrets),
        "DATA_ROOT": str(data),
        "CLIENT_CNF": str(tmp_path / "root.cnf"),
        "STUB_LOG": str(log),
        "HEARTBEAT": str(tmp_path / "heartbeat"),
        "FAKE_CONFIGURED": str(configured),
        "FAKE_CLONED": str(cloned),
    }
    if gtids is not None:
        env["FAKE_GTIDS"] = gtids
    out = subprocess.run(["bash", str(FILES / "agent.sh"), "once"], env=env, capture_output=True, text=True, check=False)
    sent = log.read_text() if log.exists() else ""
    return out, sent, data


def test_empty_replica_clones_the_primary(tmp_path):
    out, sent, data = run_agent(tmp_path, "test-mysql-1")
    primary = "test-mysql-0.test-mysql-headless.default.svc.cluster.local"
    assert f"SET GLOBAL clone_valid_donor_list = '{primary}:3306'" in sent
    assert f"CLONE INSTANCE FROM 'clone'@'{primary}':3306 IDENTIFIED BY 'clone-S3cret'" in sent
    assert out.returncode == 2, out.stderr  # "mysqld restarts now", not a failure
    assert "CHANGE REPLICATION SOURCE" not in sent
    assert not (data / ".replica-seeded").exists()


def test_cloned_replica_attaches_with_auto_position_and_never_clones_again(tmp_path):
    out, sent, data = run_agent(tmp_path, "test-mysql-2", cloned=1)
    assert out.returncode == 0, out.stderr
    assert "CHANGE REPLICATION SOURCE TO SOURCE_HOST='test-mysql-0.test-mysql-headless.default.svc.cluster.local'" in sent
    assert "SOURCE_AUTO_POSITION=1" in sent and "START REPLICA" in sent
    assert "CLONE INSTANCE" not in sent
    assert (data / ".replica-seeded").exists()


def test_replica_restarting_with_data_restarts_replication_without_cloning(tmp_path):
    """It re-points at the primary with the Secret's password of this start (after a rotation
    the stored one is stale), then starts replication; it never clones."""
    out, sent, _ = run_agent(tmp_path, "test-mysql-1", configured=1, seeded=True)
    assert out.returncode == 0, out.stderr
    statements = sent[sent.index("STOP REPLICA"):]
    assert statements.index("STOP REPLICA") < statements.index("CHANGE REPLICATION SOURCE") < statements.index("START REPLICA")
    assert "SOURCE_PASSWORD='replication-S3cret'" in sent
    assert "CLONE INSTANCE" not in sent


def test_seeded_replica_that_lost_its_source_settings_reattaches_without_cloning(tmp_path):
    out, sent, _ = run_agent(tmp_path, "test-mysql-1", seeded=True)
    assert out.returncode == 0
    assert "CHANGE REPLICATION SOURCE" in sent and "CLONE INSTANCE" not in sent


def test_replica_holding_the_primarys_transactions_is_attached_not_cloned(tmp_path):
    out, sent, _ = run_agent(tmp_path, "test-mysql-1", gtids="1111-self 2222-primary:1-900,1111-self:1-12")
    assert out.returncode == 0, out.stderr
    assert "CHANGE REPLICATION SOURCE" in sent and "CLONE INSTANCE" not in sent


@pytest.mark.parametrize(
    ("gtids", "foreign"),
    [("", "0"), ("aaa:1-5", "0"), ("aaa:1-5,bbb:1-3", "1"), ("bbb:1-3, aaa:1-2", "1")],
)
def test_foreign_gtids_are_told_apart_from_the_servers_own(gtids, foreign):
    assert lib(f'has_foreign_gtids aaa "{gtids}"').stdout.strip() == foreign


def test_primary_agent_creates_the_replication_and_clone_accounts(tmp_path):
    out, sent, _ = run_agent(tmp_path, "test-mysql-0")
    assert out.returncode == 0, out.stderr
    assert "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'replication-S3cret'" in sent
    assert "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'" in sent
    # A donor needs BACKUP_ADMIN only; CLONE_ADMIN would also let the network account SHUTDOWN the primary.
    assert "GRANT BACKUP_ADMIN ON *.* TO 'clone'@'%'" in sent
    assert "CLONE_ADMIN" not in sent and "SHUTDOWN" not in sent
    assert "CLONE INSTANCE" not in sent


def test_passwords_never_reach_the_mysql_command_line(tmp_path):
    for i, (pod, cloned) in enumerate((("test-mysql-0", 0), ("test-mysql-1", 0), ("test-mysql-1", 1))):
        workdir = tmp_path / str(i)
        workdir.mkdir()
        _, sent, _ = run_agent(workdir, pod, cloned=cloned)
        argv = [line for line in sent.splitlines() if line.startswith("ARGV:")]
        assert argv and not any("S3cret" in line for line in argv)


# --- rendered objects --------------------------------------------------------


def test_replication_runs_one_primary_and_two_replicas():
    assert sts()["spec"]["replicas"] == 3
    assert sts(STANDALONE)["spec"]["replicas"] == 1


def test_official_image_is_pinned_to_84_lts():
    image = container(sts(), "mysql")["image"]
    assert image.startswith("docker.io/library/mysql:8.4.")


def test_config_turns_on_gtid_and_loads_the_clone_plugin():
    cm = one(render(CHART), "ConfigMap", "test-mysql")
    chart_cnf = cm["data"]["10-chart.cnf"]
    for line in ("gtid_mode = ON", "enforce_gtid_consistency = ON", "plugin-load-add = mysql_clone.so"):
        assert line in chart_cnf
    assert "skip-name-resolve" in cm["data"]["20-custom.cnf"]


def test_changing_the_configuration_rolls_the_pods():
    before = sts()["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    after = sts({"configuration": "[mysqld]\nmax_connections = 500"})["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert before != after


def test_scripts_configmap_ships_the_tested_scripts():
    cm = one(render(CHART), "ConfigMap", "test-mysql-scripts")
    for script in ("lib.sh", "agent.sh", "run-mysqld.sh", "probe.sh", "prepare.sh", "backup.sh", "password-update.sh"):
        assert cm["data"][script].strip() == (FILES / script).read_text().strip()


def test_write_service_reaches_only_the_primary():
    svc = one(render(CHART), "Service", "test-mysql")
    assert svc["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] == "test-mysql-0"


def test_read_service_selects_replicas_by_the_role_label_the_agent_sets():
    svc = one(render(CHART), "Service", "test-mysql-read")
    assert svc["spec"]["selector"]["mysql.feng.org/role"] == "replica"
    assert env_of(container(sts(), "agent"))["ROLE_LABEL"] == "mysql.feng.org/role"
    role = one(render(CHART), "Role")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "patch"], "resourceNames": ["test-mysql-0", "test-mysql-1", "test-mysql-2"]}]


def test_read_service_can_include_the_primary():
    svc = one(render(CHART, INCLUDE_PRIMARY), "Service", "test-mysql-read")
    assert "mysql.feng.org/role" not in svc["spec"]["selector"]


def test_standalone_has_no_read_service_and_no_api_access():
    objs = render(CHART, STANDALONE)
    assert [s["metadata"]["name"] for s in of_kind(objs, "Service")] == ["test-mysql-headless", "test-mysql"]
    assert not of_kind(objs, "Role")
    assert pod_spec(sts(STANDALONE))["automountServiceAccountToken"] is False


def test_headless_service_publishes_pods_before_they_are_ready():
    svc = one(render(CHART), "Service", "test-mysql-headless")
    assert svc["spec"]["clusterIP"] == "None" and svc["spec"]["publishNotReadyAddresses"] is True
    assert sts()["spec"]["serviceName"] == "test-mysql-headless"


def test_passwords_are_generated_once_and_kept():
    secret = one(render(CHART), "Secret")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    keys = {"mysql-root-password", "mysql-password", "mysql-replication-password", "mysql-clone-password", "mysql-metrics-password"}
    assert set(secret["data"]) == keys


def test_existing_secret_replaces_the_generated_one():
    objs = render(CHART, EXISTING)
    assert not of_kind(objs, "Secret")
    volumes = {v["name"]: v for v in pod_spec(one(objs, "StatefulSet"))["volumes"]}
    assert volumes["secrets"]["secret"]["secretName"] == "mysql-credentials"


def test_passwords_are_files_never_env_values():
    for c in containers(sts({**METRICS})):
        for e in c.get("env", []):
            if "PASSWORD" in e["name"]:
                assert e["name"].endswith("_FILE") and e["value"].startswith("/etc/mysql-secrets/"), e
    env = env_of(container(sts(), "mysql"))
    assert env["MYSQL_ROOT_PASSWORD_FILE"] == "/etc/mysql-secrets/mysql-root-password"
    assert env["MYSQL_USER"] == "app" and env["MYSQL_DATABASE"] == "app"


def test_probes_check_liveness_and_replication_health():
    c = container(sts(), "mysql")
    assert c["livenessProbe"]["exec"]["command"] == ["/scripts/probe.sh", "live"]
    assert c["readinessProbe"]["exec"]["command"] == ["/scripts/probe.sh", "ready"]
    assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] >= 300
    assert env_of(c)["MAX_LAG_SECONDS"] == "30"


def test_claims_are_retained_and_follow_the_storage_class():
    spec = sts()["spec"]
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert "storageClassName" not in spec["volumeClaimTemplates"][0]["spec"]
    assert sts(SC_GLOBAL)["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "sc-nfs"


def test_pods_run_as_the_mysql_user_without_privileges():
    spec = pod_spec(sts())
    assert spec["securityContext"]["runAsUser"] == 999 and spec["securityContext"]["fsGroup"] == 999
    for c in containers(sts()):
        sc = c["securityContext"]
        assert sc["capabilities"]["drop"] == ["ALL"] and sc["readOnlyRootFilesystem"] is True


def test_pods_prefer_distinct_nodes_and_a_pdb_limits_disruption():
    anti = pod_spec(sts())["affinity"]["podAntiAffinity"]
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert one(render(CHART), "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_network_policy_admits_labelled_clients_own_pods_and_listed_namespaces():
    rule = one(render(CHART, NETPOL), "NetworkPolicy")["spec"]["ingress"][0]
    peers = rule["from"]
    assert {"podSelector": {"matchLabels": {"test-mysql-client": "true"}}} in peers
    assert any(p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/instance") == "test" for p in peers)
    assert any(p.get("namespaceSelector", {}).get("matchExpressions", [{}])[0].get("values") == ["wordpress"] for p in peers)
    assert rule["ports"] == [{"protocol": "TCP", "port": 3306}]


def test_metrics_adds_an_exporter_with_its_own_account():
    s = sts(METRICS)
    exporter = container(s, "metrics")
    assert exporter["image"].startswith("docker.io/prom/mysqld-exporter:v")
    assert "--config.my-cnf=/etc/mysql/client/exporter.cnf" in exporter["args"]
    assert env_of(container(s, "agent"))["METRICS_USER"] == "exporter"
    assert one(render(CHART, METRICS), "Service", "test-mysql-metrics")["spec"]["ports"][0]["port"] == 9104
    sql = lib("sql_metrics_user exporter pw").stdout
    assert "GRANT PROCESS, REPLICATION CLIENT ON *.*" in sql and "GRANT SELECT ON performance_schema.*" in sql


def test_backup_dumps_from_a_replica_and_keeps_n():
    objs = render(CHART, BACKUP)
    job = one(objs, "CronJob")
    env = env_of(containers(job)[0])
    assert env["BACKUP_HOST"] == "test-mysql-1.test-mysql-headless.default.svc.cluster.local"
    assert env["KEEP"] == "5"
    # A hung dump must end, or concurrencyPolicy Forbid blocks every later run.
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert job["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 21600
    assert one(objs, "PersistentVolumeClaim")["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"auth": {"username": "root"}}, "auth.username"),
        ({"auth": {"cloneUser": "repl"}}, "auth.cloneUser"),
        ({"architecture": "galera"}, "/architecture"),
        ({"replication": {"replicas": 0}}, "/replication/replicas"),
        ({"rbac": {"create": False}}, "rbac.create"),
        ({"architecture": "standalone", "backup": {"enabled": True}}, "backup.source"),
        ({"auth": {"rootHost": "localhost"}, "backup": {"enabled": True}}, "auth.rootHost"),  # the dump job could not log in
        ({"auth": {"rootHost": "x' OR '1"}}, "/auth/rootHost"),  # the image pastes it into SQL
        ({"persistence": {"size": "lots"}}, "/persistence/size"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)
