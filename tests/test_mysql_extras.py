"""charts/mysql: the escape hatches, TLS, password rotation, exposure and NetworkPolicy
settings, the guards that keep escape hatches from re-setting what the chart types, and
the failure branches of the pods' scripts (run with bash against stub clients)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "mysql"
FILES = ROOT / "charts" / "mysql" / "files"
PRIMARY = "test-mysql-0.test-mysql-headless.default.svc.cluster.local"


def sts(values: dict | None = None) -> dict:
    return one(render(CHART, values), "StatefulSet")


def container(obj: dict, name: str) -> dict:
    return next(c for c in containers(obj) if c["name"] == name)


def env_of(c: dict) -> dict[str, str | None]:
    return {e["name"]: e.get("value") for e in c.get("env", [])}


# --- escape hatches -----------------------------------------------------------

EXTRAS = {
    "extraEnvVars": [{"name": "TZ", "value": "Asia/Shanghai"}],
    "extraEnvVarsCM": "mysql-env",
    "extraEnvVarsSecret": "mysql-env-secret",
    "extraVolumes": [{"name": "certs", "secret": {"secretName": "client-ca"}}],
    "extraVolumeMounts": [{"name": "certs", "mountPath": "/etc/client-ca", "readOnly": True}],
    "sidecars": [{"name": "log-shipper", "image": "docker.io/fluent/fluent-bit:3.2.0"}],
    "initContainers": [{"name": "wait", "image": "docker.io/library/busybox:1.37", "command": ["true"]}],
    "lifecycleHooks": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
    "hostAliases": [{"ip": "10.0.0.5", "hostnames": ["ldap.feng.org"]}],
    "schedulerName": "stork",
    "runtimeClassName": "kata",
}


def test_extra_env_volumes_and_containers_reach_the_pod():
    s = sts(EXTRAS)
    spec = pod_spec(s)
    mysql = container(s, "mysql")
    assert env_of(mysql)["TZ"] == "Asia/Shanghai"
    assert mysql["envFrom"] == [{"configMapRef": {"name": "mysql-env"}}, {"secretRef": {"name": "mysql-env-secret"}}]
    assert {"name": "certs", "mountPath": "/etc/client-ca", "readOnly": True} in mysql["volumeMounts"]
    assert {"name": "certs", "secret": {"secretName": "client-ca"}} in spec["volumes"]
    assert [c["name"] for c in spec["containers"]] == ["mysql", "agent", "log-shipper"]
    # The chart's own init container writes the option files first.
    assert [c["name"] for c in spec["initContainers"]] == ["prepare", "wait"]
    assert mysql["lifecycle"] == EXTRAS["lifecycleHooks"]
    assert spec["hostAliases"] == EXTRAS["hostAliases"]
    assert spec["schedulerName"] == "stork" and spec["runtimeClassName"] == "kata"
    # The agent is not given the user's env: it only runs the chart's scripts.
    assert "TZ" not in env_of(container(s, "agent"))


def test_extra_deploy_renders_each_object_templated():
    objs = render(CHART, {"extraDeploy": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "{{ .Release.Name }}-extra"}, "data": {"a": "b"}},
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reader\n",
    ]})
    assert one(objs, "ConfigMap", "test-extra")["data"] == {"a": "b"}
    assert one(objs, "ServiceAccount", "reader")


def test_topology_spread_gets_the_server_selector_when_it_has_none():
    s = sts({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}]})
    [c] = pod_spec(s)["topologySpreadConstraints"]
    assert c["labelSelector"]["matchLabels"] == s["spec"]["selector"]["matchLabels"]


def test_affinity_presets_build_node_and_pod_affinity():
    spec = pod_spec(sts({"podAntiAffinityPreset": "hard", "podAffinityPreset": "soft",
                         "nodeAffinityPreset": {"type": "hard", "key": "disk", "values": ["ssd"]}}))
    aff = spec["affinity"]
    assert aff["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] == "kubernetes.io/hostname"
    assert "preferredDuringSchedulingIgnoredDuringExecution" in aff["podAffinity"]
    terms = aff["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]
    # An explicit affinity replaces every preset.
    assert pod_spec(sts({"affinity": {"podAffinity": {}}, "podAntiAffinityPreset": "hard"}))["affinity"] == {"podAffinity": {}}


def test_existing_configmap_replaces_the_custom_settings_but_not_the_charts():
    objs = render(CHART, {"existingConfigmap": "my-cnf"})
    assert "20-custom.cnf" not in one(objs, "ConfigMap", "test-mysql")["data"]
    config = next(v for v in pod_spec(one(objs, "StatefulSet"))["volumes"] if v["name"] == "config")
    sources = config["projected"]["sources"]
    assert sources[0]["configMap"]["items"] == [{"key": "10-chart.cnf", "path": "10-chart.cnf"}]
    assert sources[1]["configMap"] == {"name": "my-cnf", "items": [{"key": "my.cnf", "path": "20-custom.cnf"}]}


def test_init_and_start_scripts_from_configmaps():
    s = sts({"initdbScriptsConfigMap": "init-sql", "startdbScriptsConfigMap": "start-sql"})
    volumes = {v["name"]: v for v in pod_spec(s)["volumes"]}
    assert volumes["initdb"]["configMap"]["name"] == "init-sql"
    assert volumes["startdb"]["configMap"]["name"] == "start-sql"
    assert env_of(container(s, "agent"))["STARTDB_DIR"] == "/docker-entrypoint-startdb.d"
    objs = render(CHART, {"startdbScripts": {"grants.sql": "GRANT SELECT ON app.* TO 'reader'@'%';"}})
    assert one(objs, "ConfigMap", "test-mysql-startdb")["data"] == {"grants.sql": "GRANT SELECT ON app.* TO 'reader'@'%';"}


def test_authentication_policy_reaches_mysqld():
    cnf = one(render(CHART, {"auth": {"authenticationPolicy": "caching_sha2_password,,"}}), "ConfigMap", "test-mysql")["data"]["10-chart.cnf"]
    assert "authentication_policy = caching_sha2_password,," in cnf


def test_persistence_selector_retention_and_update_strategy():
    s = sts({"persistence": {"selector": {"matchLabels": {"pool": "fast"}}},
             "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"},
             "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}})
    assert s["spec"]["volumeClaimTemplates"][0]["spec"]["selector"] == {"matchLabels": {"pool": "fast"}}
    assert s["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Delete", "whenScaled": "Retain"}
    assert s["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}


def test_standalone_can_use_an_existing_claim():
    s = sts({"architecture": "standalone", "persistence": {"existingClaim": "old-data"}})
    assert "volumeClaimTemplates" not in s["spec"]
    data = next(v for v in pod_spec(s)["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "persistentVolumeClaim": {"claimName": "old-data"}}


def test_services_take_node_ports_and_traffic_policy_and_x_protocol():
    objs = render(CHART, {"service": {"type": "NodePort", "nodePorts": {"mysql": 30306, "read": 30307}, "externalTrafficPolicy": "Local",
                                      "sessionAffinity": "ClientIP"}, "enableMySQLX": True})
    write, read = one(objs, "Service", "test-mysql"), one(objs, "Service", "test-mysql-read")
    assert write["spec"]["ports"][0]["nodePort"] == 30306 and read["spec"]["ports"][0]["nodePort"] == 30307
    assert write["spec"]["externalTrafficPolicy"] == "Local" and write["spec"]["sessionAffinity"] == "ClientIP"
    assert {"name": "mysqlx", "port": 33060, "targetPort": "mysqlx"} in write["spec"]["ports"]
    assert {"name": "mysqlx", "containerPort": 33060} in container(one(objs, "StatefulSet"), "mysql")["ports"]
    lb = one(render(CHART, {"service": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8"]}}), "Service", "test-mysql")
    assert lb["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8"]


# --- NetworkPolicy -----------------------------------------------------------


def netpol(values: dict) -> dict:
    return one(render(CHART, {"networkPolicy": {"enabled": True, **values}}), "NetworkPolicy")["spec"]


def test_network_policy_leaves_egress_open_by_default():
    spec = netpol({})
    assert spec["policyTypes"] == ["Ingress"] and "egress" not in spec


def test_network_policy_restricted_egress_allows_dns_the_api_server_and_the_other_servers():
    spec = netpol({"allowExternalEgress": False, "kubeAPIServer": {"cidrs": ["192.168.10.10/32"], "ports": [6443]},
                   "extraEgress": [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 3306}]}]})
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    egress = spec["egress"]
    assert {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]} in egress
    assert {"ports": [{"protocol": "TCP", "port": 6443}], "to": [{"ipBlock": {"cidr": "192.168.10.10/32"}}]} in egress
    own = [r for r in egress if r.get("to", [{}])[0].get("podSelector")]
    assert own and own[0]["ports"] == [{"protocol": "TCP", "port": 3306}]
    assert egress[-1]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]


def test_standalone_restricted_egress_has_no_api_server_rule():
    """Only the agents of a replication set label their pods (the API server)."""
    spec = one(render(CHART, {"architecture": "standalone", "networkPolicy": {"enabled": True, "allowExternalEgress": False}}), "NetworkPolicy")["spec"]
    assert not any(p.get("port") == 443 for r in spec["egress"] for p in r.get("ports", []))


def test_network_policy_label_peers_external_and_extra_rules():
    spec = netpol({"ingressNSMatchLabels": {"team": "web"}, "ingressNSPodMatchLabels": {"app": "shop"},
                   "extraIngress": [{"from": [{"ipBlock": {"cidr": "10.1.0.0/24"}}]}]})
    assert {"namespaceSelector": {"matchLabels": {"team": "web"}}, "podSelector": {"matchLabels": {"app": "shop"}}} in spec["ingress"][0]["from"]
    assert spec["ingress"][-1] == {"from": [{"ipBlock": {"cidr": "10.1.0.0/24"}}]}
    open_rule = netpol({"allowExternal": True})["ingress"][0]
    assert "from" not in open_rule and open_rule["ports"] == [{"protocol": "TCP", "port": 3306}]


# --- TLS and password rotation --------------------------------------------------


def test_tls_generated_once_and_kept_covers_every_pod_and_service():
    objs = render(CHART, {"tls": {"enabled": True, "requireSecureTransport": True}})
    secret = one(objs, "Secret", "test-mysql-tls")
    assert secret["type"] == "kubernetes.io/tls" and secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert set(secret["data"]) == {"tls.crt", "tls.key", "ca.crt"}
    import base64

    from cryptography import x509

    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert "*.test-mysql-headless.default.svc.cluster.local" in names and "test-mysql-read.default.svc" in names
    cnf = one(objs, "ConfigMap", "test-mysql")["data"]["10-chart.cnf"]
    assert "ssl_cert = /etc/mysql/tls/tls.crt" in cnf and "require_secure_transport = ON" in cnf
    s = one(objs, "StatefulSet")
    tls = next(v for v in pod_spec(s)["volumes"] if v["name"] == "tls")
    assert tls["secret"] == {"secretName": "test-mysql-tls", "defaultMode": 0o440}
    assert env_of(container(s, "agent"))["TLS_DIR"] == "/etc/mysql/tls"


def test_tls_from_cert_manager_or_an_existing_secret():
    cert = one(render(CHART, {"tls": {"enabled": True, "autoGenerated": {"engine": "cert-manager", "certManager": {"issuerRef": {"name": "ca"}}}}}), "Certificate")
    assert cert["spec"]["secretName"] == "test-mysql-tls" and cert["spec"]["issuerRef"]["name"] == "ca"
    objs = render(CHART, {"tls": {"enabled": True, "existingSecret": "db-cert"}})
    assert not [o for o in of_kind(objs, "Secret") if o["metadata"]["name"].endswith("-tls")]
    assert next(v for v in pod_spec(one(objs, "StatefulSet"))["volumes"] if v["name"] == "tls")["secret"]["secretName"] == "db-cert"


ROTATE = {"auth": {"existingSecret": "mysql-creds-2"}, "passwordUpdateJob": {"enabled": True, "previousPasswords": {"existingSecret": "test-mysql"}}}


def test_password_update_job_runs_before_the_upgrade_with_both_secrets():
    job = one(render(CHART, ROTATE), "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-upgrade"
    volumes = {v["name"]: v["secret"]["secretName"] for v in pod_spec(job)["volumes"] if "secret" in v}
    assert volumes == {"previous": "test-mysql", "new": "mysql-creds-2"}
    script = containers(job)[0]["args"][0]
    # Self-contained: before the upgrade the scripts ConfigMap is the previous release's.
    assert (FILES / "password-update.sh").read_text().strip().splitlines()[-1] in script and "sql_alter_password()" in script
    # The job pod is one of the chart's own, so the NetworkPolicy admits it.
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"] == "test"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"extraArgs": ["--server-id=7"]}, "extraArgs[0] (--server-id=7) re-sets --server-id, which the chart already sets from replication.serverIdBase"),
        ({"extraArgs": ["--log-bin", "--SERVER_ID=7"]}, "extraArgs[1]"),
        ({"extraArgs": ["--datadir=/tmp"]}, "extraArgs[0]"),
        ({"configuration": "[mysqld]\nserver_id = 7\n"}, "configuration sets server-id"),
        ({"configuration": "[mysqld]\nloose-gtid-mode=OFF\n"}, "configuration sets gtid-mode"),
        ({"auth": {"replicationUser": "root"}}, "auth.replicationUser must not be \"root\""),
        ({"auth": {"cloneUser": "ROOT"}}, "auth.cloneUser must not be"),
        ({"metrics": {"enabled": True, "user": "root"}}, "metrics.user must not be"),
        ({"metrics": {"enabled": True, "user": "app"}}, "metrics.user must differ from auth.username"),
        ({"extraEnvVars": [{"name": "MYSQL_ROOT_HOST", "value": "x"}]}, "extraEnvVars[0].name \"MYSQL_ROOT_HOST\" is set by the chart from auth.rootHost"),
        ({"extraEnvVars": [{"name": "POD_NAME", "value": "x"}]}, "extraEnvVars[0].name"),
        ({"extraEnvVars": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}, "extraEnvVars[1].name \"A\" is already set by extraEnvVars[0]"),
        ({"extraEnvVars": [{"value": "x"}]}, "extraEnvVars/0"),
        ({"extraVolumes": [{"name": "data", "emptyDir": {}}]}, "extraVolumes[0].name \"data\" is the name of the chart's own volume"),
        ({"extraVolumes": [{"name": "data"}]}, "extraVolumes/0"),
        ({"extraVolumes": [{"name": "a", "emptyDir": {}}], "extraVolumeMounts": [{"name": "a", "mountPath": "/var/lib/mysql"}]}, "extraVolumeMounts[0].mountPath"),
        ({"extraVolumeMounts": [{"name": "nope", "mountPath": "/x"}]}, "extraVolumeMounts[0].name \"nope\" is not a volume in extraVolumes"),
        ({"extraVolumeMounts": [{"name": "a", "mountPath": "relative"}]}, "extraVolumeMounts/0/mountPath"),
        ({"sidecars": [{"name": "agent", "image": "busybox:1"}]}, "is the name of the chart's own container"),
        ({"sidecars": [{"name": "x"}]}, "sidecars/0"),
        ({"initContainers": [{"name": "a", "image": "b:1"}], "sidecars": [{"name": "a", "image": "b:1"}]}, "initContainers/sidecars[1].name"),
        ({"extraDeploy": [{"kind": "ConfigMap", "metadata": {"name": "x"}}]}, "extraDeploy[0] needs apiVersion, kind and metadata.name"),
        ({"extraDeploy": ["a: [1"]}, "extraDeploy[0] is not one YAML object"),
        ({"extraDeploy": [3]}, "extraDeploy/0"),
        ({"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]}, "topologySpreadConstraints/0/maxSkew"),
        ({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "Maybe"}]}, "whenUnsatisfiable"),
        ({"nodeAffinityPreset": {"type": "hard"}}, "nodeAffinityPreset needs key and values"),
        ({"podAffinityPreset": "always"}, "/podAffinityPreset"),
        ({"persistence": {"existingClaim": "old"}}, "persistence.existingClaim works only with architecture=standalone"),
        ({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep"}}, "whenDeleted"),
        ({"updateStrategy": {"type": "Recreate"}}, "/updateStrategy/type"),
        ({"initdbScripts": {"a.sql": "select 1"}, "initdbScriptsConfigMap": "x"}, "initdbScriptsConfigMap is set together with initdbScripts"),
        ({"startdbScripts": {"a.sql": "select 1"}, "startdbScriptsConfigMap": "x"}, "startdbScriptsConfigMap is set together with startdbScripts"),
        ({"startdbScripts": {"a.py": "print(1)"}}, "'a.py' does not match"),
        ({"auth": {"authenticationPolicy": "x' OR 1"}}, "/auth/authenticationPolicy"),
        ({"tls": {"requireSecureTransport": True}}, "tls.requireSecureTransport needs tls.enabled=true"),
        ({"tls": {"enabled": True, "autoGenerated": {"enabled": False}}}, "tls.existingSecret is required"),
        ({"tls": {"enabled": True, "autoGenerated": {"engine": "cert-manager"}}}, "tls.autoGenerated.certManager.issuerRef.name is required"),
        ({"tls": {"autoGenerated": {"engine": "vault"}}}, "/tls/autoGenerated/engine"),
        ({"passwordUpdateJob": {"enabled": True}}, "passwordUpdateJob.previousPasswords.existingSecret is required"),
        ({"passwordUpdateJob": {"enabled": True, "previousPasswords": {"existingSecret": "old"}}}, "auth.existingSecret is required"),
        ({"passwordUpdateJob": {"enabled": True, "previousPasswords": {"existingSecret": "s"}}, "auth": {"existingSecret": "s"}}, "must differ from auth.existingSecret"),
        ({"service": {"nodePorts": {"mysql": 70000}}}, "/service/nodePorts/mysql"),
        ({"service": {"externalTrafficPolicy": "Nearest"}}, "/service/externalTrafficPolicy"),
        ({"service": {"loadBalancerSourceRanges": ["10.0.0.1"]}}, "/service/loadBalancerSourceRanges/0"),
        ({"networkPolicy": {"extraIngress": [{"from": [], "bogus": 1}]}}, "bogus"),
        ({"networkPolicy": {"kubeAPIServer": {"cidrs": ["10.0.0.1"]}}}, "/networkPolicy/kubeAPIServer/cidrs/0"),
        ({"networkPolicy": {"ingressNSMatchLabels": {"team": "a b"}}}, "/networkPolicy/ingressNSMatchLabels/team"),
        ({"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a\nb"]}]}, "/hostAliases/0/hostnames/0"),
        ({"lifecycleHooks": {"onCrash": {}}}, "onCrash"),
        ({"schedulerName": "Bad Name"}, "/schedulerName"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


# --- scripts' failure branches, against stub clients ----------------------------

FAILING_MYSQL = r"""#!/bin/bash
# Records what it is sent; fails on the statement matching $FAIL_ON (a substring).
sql=""; prev=""
for a in "$@"; do [ "$prev" = "-e" ] && sql="$a"; prev="$a"; done
[ -z "$sql" ] && sql=$(cat)
printf 'SQL: %s\n' "$sql" >> "$STUB_LOG"
for a in "$@"; do case $a in --defaults-extra-file=*) cnf=${a#*=}; printf 'CNF: %s %s\n' "$(stat -c %a "$cnf")" "$(grep -o 'password=.*' "$cnf")" >> "$STUB_LOG";; esac; done
if [ -n "${FAIL_ON:-}" ] && [[ $sql == *"$FAIL_ON"* ]]; then echo "ERROR 1045 (28000): Access denied" >&2; exit 1; fi
if [ -n "${DENY_PASSWORD:-}" ] && grep -q "password=\"$DENY_PASSWORD\"" "$cnf"; then echo "ERROR 1045 (28000): Access denied" >&2; exit 1; fi
case "$sql" in
  *replication_connection_configuration*) echo "${FAKE_CONFIGURED:-0}" ;;
  *clone_status*) echo 0 ;;
  *gtid_executed*) echo "1111-self 1111-self:1-12" ;;
  *"CLONE INSTANCE"*) echo "ERROR 3862 (HY000): Clone Donor Error: connection refused" >&2; exit 1 ;;
esac
exit 0
"""


def stub_bin(tmp_path: Path, name: str = "mysql", body: str = FAILING_MYSQL) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / name).write_text(body)
    (bindir / name).chmod(0o755)
    return bindir


def secrets_dir(tmp_path: Path, name: str = "secrets", prefix: str = "", skip: tuple[str, ...] = ()) -> Path:
    d = tmp_path / name
    d.mkdir()
    for key in ("root", "", "replication", "clone", "metrics"):
        file = f"mysql-{key}-password" if key else "mysql-password"
        if file not in skip:
            (d / file).write_text(f"{prefix}{key or 'app'}-S3cret")
    return d


def agent(tmp_path: Path, pod: str, fail_on: str = "", skip: tuple[str, ...] = (), extra: dict[str, str] | None = None):
    log = tmp_path / "mysql.log"
    env = {
        "PATH": f"{stub_bin(tmp_path)}:/usr/bin:/bin", "POD_NAME": pod, "ARCHITECTURE": "replication",
        "SCRIPTS_DIR": str(FILES), "SECRETS_DIR": str(secrets_dir(tmp_path, skip=skip)), "DATA_ROOT": str(tmp_path),
        "CLIENT_CNF": str(tmp_path / "root.cnf"), "STUB_LOG": str(log), "HEARTBEAT": str(tmp_path / "hb"),
        "PRIMARY_HOST": PRIMARY, "REPLICATION_USER": "repl", "CLONE_USER": "clone", "FAIL_ON": fail_on,
        "POD_NAMESPACE": "default", **(extra or {}),
    }
    out = subprocess.run(["bash", str(FILES / "agent.sh"), "once"], env=env, capture_output=True, text=True, check=False)
    return out, (log.read_text() if log.exists() else "")


@pytest.mark.parametrize("fail_on", ["CREATE USER IF NOT EXISTS 'repl'", "GRANT BACKUP_ADMIN"])
def test_primary_agent_reports_a_failed_account_setup(tmp_path, fail_on):
    out, _ = agent(tmp_path, "test-mysql-0", fail_on=fail_on)
    assert out.returncode != 0  # the run loop retries instead of calling the primary reconciled


@pytest.mark.parametrize("missing", ["mysql-replication-password", "mysql-clone-password", "mysql-metrics-password"])
def test_primary_agent_never_creates_an_account_with_an_empty_password(tmp_path, missing):
    out, sent = agent(tmp_path, "test-mysql-0", skip=(missing,), extra={"METRICS_USER": "exporter"})
    assert out.returncode != 0 and missing in out.stderr
    assert "IDENTIFIED BY ''" not in sent and "CREATE USER" not in sent


@pytest.mark.parametrize("fail_on", ["replication_connection_configuration", "clone_status", "gtid_executed", "CHANGE REPLICATION SOURCE"])
def test_replica_agent_stops_at_each_failed_step(tmp_path, fail_on):
    out, sent = agent(tmp_path, "test-mysql-1", fail_on=fail_on, extra={"FAKE_CONFIGURED": "1"})
    assert out.returncode == 1, out.stderr
    assert "CLONE INSTANCE" not in sent


def test_failed_clone_is_retried_not_taken_for_done(tmp_path):
    out, sent = agent(tmp_path, "test-mysql-1")
    assert "CLONE INSTANCE" in sent
    assert out.returncode == 1 and "clone failed, will retry" in out.stderr
    assert not (tmp_path / ".replica-seeded").exists()


def test_replica_without_its_replication_password_does_not_attach(tmp_path):
    out, sent = agent(tmp_path, "test-mysql-1", skip=("mysql-replication-password",), extra={"FAKE_CONFIGURED": "1"})
    assert out.returncode == 1 and "CHANGE REPLICATION SOURCE" not in sent


def test_replica_attaches_over_tls_with_the_ca(tmp_path):
    out, sent = agent(tmp_path, "test-mysql-1", extra={"FAKE_CONFIGURED": "1", "TLS_DIR": "/etc/mysql/tls"})
    assert out.returncode == 0, out.stderr
    assert "SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mysql/tls/ca.crt'" in sent


def test_unwritable_seeded_marker_is_logged_not_hidden(tmp_path):
    data = tmp_path / "ro"
    data.mkdir()
    (data / ".replica-seeded").mkdir()  # a directory where the file should be: touch keeps it, so use a read-only dir
    ro = tmp_path / "readonly"
    ro.mkdir()
    ro.chmod(0o555)
    out, _ = agent(tmp_path, "test-mysql-1", extra={"FAKE_CONFIGURED": "1", "SEEDED_MARKER": str(ro / "sub" / "marker")})
    assert out.returncode == 0
    assert "cannot write" in out.stderr


def start_scripts(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "startdb"
    d.mkdir()
    for name, body in files.items():
        (d / name).write_text(body)
    return d


def test_start_scripts_run_in_order_on_the_primary(tmp_path):
    d = start_scripts(tmp_path, {"10-grants.sql": "GRANT SELECT ON app.* TO 'reader'@'%';", "20-mark.sh": f"touch {tmp_path}/ran"})
    out, sent = agent(tmp_path, "test-mysql-0", extra={"STARTDB_DIR": str(d)})
    assert out.returncode == 0, out.stderr
    assert "GRANT SELECT ON app.* TO 'reader'@'%';" in sent and (tmp_path / "ran").exists()


def test_failing_start_script_fails_the_reconcile_for_a_retry(tmp_path):
    d = start_scripts(tmp_path, {"10-bad.sh": "exit 3", "20-later.sh": f"touch {tmp_path}/ran"})
    out, _ = agent(tmp_path, "test-mysql-0", extra={"STARTDB_DIR": str(d)})
    assert out.returncode == 1 and "10-bad.sh failed" in out.stderr
    assert not (tmp_path / "ran").exists()


def test_start_scripts_never_run_on_a_read_only_replica(tmp_path):
    d = start_scripts(tmp_path, {"10-grants.sql": "GRANT SELECT ON app.* TO 'reader'@'%';"})
    _, sent = agent(tmp_path, "test-mysql-1", extra={"STARTDB_DIR": str(d), "FAKE_CONFIGURED": "1"})
    assert "GRANT SELECT ON app.*" not in sent


def prepare(tmp_path: Path, skip: tuple[str, ...] = (), extra: dict[str, str] | None = None):
    client = tmp_path / "client"
    client.mkdir()
    env = {"PATH": "/usr/bin:/bin", "SCRIPTS_DIR": str(FILES), "SECRETS_DIR": str(secrets_dir(tmp_path, skip=skip)),
           "CLIENT_DIR": str(client), **(extra or {})}
    out = subprocess.run(["bash", str(FILES / "prepare.sh")], env=env, capture_output=True, text=True, check=False)
    return out, client


def test_option_files_are_private_to_the_mysql_user(tmp_path):
    out, client = prepare(tmp_path, extra={"METRICS_USER": "exporter"})
    assert out.returncode == 0, out.stderr
    for name in ("root.cnf", "exporter.cnf"):
        assert stat.S_IMODE(os.stat(client / name).st_mode) == 0o600, name
    assert 'password="root-S3cret"' in (client / "root.cnf").read_text()
    assert "host=127.0.0.1" in (client / "exporter.cnf").read_text()


def test_exporter_uses_the_socket_when_tcp_needs_tls(tmp_path):
    out, client = prepare(tmp_path, extra={"METRICS_USER": "exporter", "EXPORTER_SOCKET": "/var/run/mysqld/mysqld.sock"})
    assert out.returncode == 0 and "socket=/var/run/mysqld/mysqld.sock" in (client / "exporter.cnf").read_text()
    assert one(render(CHART, {"metrics": {"enabled": True}, "tls": {"enabled": True, "requireSecureTransport": True}}), "StatefulSet")


@pytest.mark.parametrize("missing", ["mysql-root-password", "mysql-metrics-password"])
def test_prepare_stops_without_a_password_instead_of_writing_an_empty_one(tmp_path, missing):
    out, client = prepare(tmp_path, skip=(missing,), extra={"METRICS_USER": "exporter"})
    assert out.returncode != 0
    for f in client.iterdir():
        assert 'password=""' not in f.read_text()


def test_backup_option_file_is_private_and_a_missing_password_stops_the_dump(tmp_path):
    dump = '#!/bin/bash\nfor a; do case $a in --defaults-extra-file=*) stat -c %a "${a#*=}";; esac; done\n'
    bindir = stub_bin(tmp_path, "mysqldump", dump)
    backups = tmp_path / "backup"
    backups.mkdir()
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "SCRIPTS_DIR": str(FILES), "BACKUP_HOST": "db-1", "BACKUP_DIR": str(backups),
           "KEEP": "3", "TMPDIR": str(tmp_path)}
    ok = subprocess.run(["bash", str(FILES / "backup.sh")], env=env | {"SECRETS_DIR": str(secrets_dir(tmp_path))}, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    [dumped] = list(backups.iterdir())
    import gzip

    assert gzip.decompress(dumped.read_bytes()).decode().strip() == "600"
    bad = subprocess.run(["bash", str(FILES / "backup.sh")], env=env | {"SECRETS_DIR": str(secrets_dir(tmp_path, "s2", skip=("mysql-root-password",)))},
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and len(list(backups.iterdir())) == 1


def rotate(tmp_path: Path, deny: str = "", fail_on: str = "", skip_new: tuple[str, ...] = (), architecture: str = "replication"):
    log = tmp_path / "mysql.log"
    env = {
        "PATH": f"{stub_bin(tmp_path)}:/usr/bin:/bin", "SCRIPTS_DIR": str(FILES), "STUB_LOG": str(log), "TMPDIR": str(tmp_path),
        "OLD_DIR": str(secrets_dir(tmp_path, "old", "old-")), "NEW_DIR": str(secrets_dir(tmp_path, "new", "new-", skip=skip_new)),
        "PRIMARY_HOST": PRIMARY, "ARCHITECTURE": architecture, "APP_USER": "app", "ROOT_HOST": "%", "REPLICATION_USER": "repl",
        "CLONE_USER": "clone", "METRICS_USER": "exporter", "WAIT_SECONDS": "0", "DENY_PASSWORD": deny, "FAIL_ON": fail_on,
    }
    out = subprocess.run(["bash", str(FILES / "password-update.sh")], env=env, capture_output=True, text=True, check=False)
    return out, (log.read_text() if log.exists() else "")


def test_rotation_sets_every_account_to_the_new_secret_logged_in_with_the_old_one(tmp_path):
    out, sent = rotate(tmp_path)
    assert out.returncode == 0, out.stderr
    alters = [line for line in sent.splitlines() if "ALTER USER" in line]
    assert "CNF: 600 password=\"old-root-S3cret\"" in sent
    for user, host, pw in (("app", "%", "new-app"), ("repl", "%", "new-replication"), ("clone", "%", "new-clone"),
                           ("exporter", "%", "new-metrics"), ("root", "localhost", "new-root"), ("root", "%", "new-root")):
        assert f"ALTER USER IF EXISTS '{user}'@'{host}' IDENTIFIED BY '{pw}-S3cret';" in sent
    assert "root" in alters[-1]  # root last: it is the session's own account


def test_rotation_rerun_after_success_logs_in_with_the_new_password(tmp_path):
    out, sent = rotate(tmp_path, deny="old-root-S3cret")
    assert out.returncode == 0, out.stderr
    assert "CNF: 600 password=\"new-root-S3cret\"" in sent and "ALTER USER IF EXISTS 'app'" in sent


def test_rotation_fails_when_no_password_opens_the_primary(tmp_path):
    out, sent = rotate(tmp_path, fail_on="SELECT 1")
    assert out.returncode != 0 and "cannot log in" in out.stderr
    assert "ALTER USER" not in sent


def test_rotation_fails_when_a_statement_fails(tmp_path):
    out, _ = rotate(tmp_path, fail_on="ALTER USER")
    assert out.returncode != 0


def test_rotation_stops_before_any_change_when_the_new_secret_lacks_a_key(tmp_path):
    out, sent = rotate(tmp_path, skip_new=("mysql-clone-password",))
    assert out.returncode != 0 and "mysql-clone-password" in out.stderr
    assert sent == ""


def test_standalone_rotation_leaves_the_replication_accounts_alone(tmp_path):
    out, sent = rotate(tmp_path, architecture="standalone", skip_new=("mysql-replication-password", "mysql-clone-password"))
    assert out.returncode == 0, out.stderr
    assert "'repl'" not in sent and "'app'" in sent


def test_lab_overlay_render_is_unchanged_in_shape():
    """The lab's MySQL keeps its objects; the NetworkPolicy stays ingress-only."""
    objs = render(CHART, values_files=["values/apps/mysql-lab.yaml"])
    assert sorted(o["kind"] for o in objs) == sorted(
        ["ConfigMap", "ConfigMap", "CronJob", "NetworkPolicy", "PersistentVolumeClaim", "PodDisruptionBudget", "Role", "RoleBinding",
         "Secret", "Service", "Service", "Service", "ServiceAccount", "StatefulSet"])
    assert one(objs, "NetworkPolicy")["spec"]["policyTypes"] == ["Ingress"]
    assert yaml.safe_dump(pod_spec(one(objs, "StatefulSet"))["affinity"]).count("preferredDuringScheduling") == 1


def test_labels_alone_never_roll_the_pods():
    """The config checksums hash the ConfigMaps' data: a chart bump or new commonLabels change their
    labels, not the configuration, and must not restart the primary."""
    before = sts()["spec"]["template"]["metadata"]["annotations"]
    after = sts({"commonLabels": {"team": "dba"}})["spec"]["template"]["metadata"]["annotations"]
    assert before["checksum/config"] == after["checksum/config"] and before["checksum/scripts"] == after["checksum/scripts"]


def test_secret_volumes_are_readable_by_the_mysql_group_only():
    """Passwords and keys: 0440 (root and gid 999 through fsGroup), scripts executable, nothing world-readable."""
    s = sts({"tls": {"enabled": True}, "backup": {"enabled": True}})
    volumes = {v["name"]: v for v in pod_spec(s)["volumes"]}
    assert volumes["secrets"]["secret"]["defaultMode"] == 0o440 and volumes["tls"]["secret"]["defaultMode"] == 0o440
    assert volumes["scripts"]["configMap"]["defaultMode"] == 0o555
    assert volumes["client"]["emptyDir"]["medium"] == "Memory"
    cron = one(render(CHART, {"backup": {"enabled": True}}), "CronJob")
    assert {v["name"]: v for v in pod_spec(cron)["volumes"]}["secrets"]["secret"]["defaultMode"] == 0o440
    job = one(render(CHART, ROTATE), "Job")
    assert all(v["secret"]["defaultMode"] == 0o440 for v in pod_spec(job)["volumes"] if "secret" in v)
