"""Moving from the upstream charts: the key maps (chartops/upstream/maps), the README feature tables
generated from them, and `invoke values-from-upstream`.

The inputs are facts about the upstream charts written down in tests/fixtures/upstream/<chart>/:
`defaults.yaml` (every key of the upstream chart's values and its default, one dotted key a line) and
`ci/*.yaml` (the keys each of upstream's ci values files sets). They are nested here and migrated;
our chart must render with the result and every object must pass strict validation.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chartops import upstream
from chartops.charts import get
from chartops.upstream import migrate as migrate_mod
from chartops.upstream import split_path
from chartops.upstream import table as upstream_table
from chartops.upstream.transforms import outputs
from chartops.upstream.transforms import run as run_transform
from chartops.validate import CRDCatalog, UnknownKind, errors
from tests.helpers import ROOT, render, renderer
from tests.test_tasks import assert_usage_error, inv

FIXTURES = ROOT / "tests" / "fixtures" / "upstream"
CHARTS = upstream.available()

# What the upstream chart also needs set before it does anything useful (its defaults leave it
# empty), given here as our keys so that our chart renders with the migrated defaults.
SITE: dict[str, dict[str, Any]] = {
    "nfs-subdir-provisioner": {"nfs": {"server": "nfs.example.org"}},
    # a cluster DNS serves pods only at the kubelets' clusterDNS address (upstream lets the API pick one)
    "coredns": {"service": {"clusterIP": "10.96.0.10"}},
}

# And what a ci file needs beyond what it sets, where ours asks for more than upstream did.
CI_SITE: dict[tuple[str, str], dict[str, Any]] = {
    # without the webhook the operator serves nothing ours could probe: it needs a metrics port
    ("eck-operator", "profile-restricted"): {"config": {"metrics": {"port": 9090}}},
    # upstream's example puts an Ingress in front of anonymous access; ours refuses that unless allowed

    ("elasticsearch", "example-elasticsearch-ingress-gke"): {"allowDangerous": {"insecureIngress": True}},
    # upstream leaves its APIService unverified when the Secret can't be read; ours needs the CA then
    ("metrics-server", "tls-existingSecret-values"): {
        "apiService": {"caBundle": "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"}},
}

# Keys of upstream's own ci values that must be named as not carried over (and why they can't be).
CI_NAMED: dict[tuple[str, str], set[str]] = {
    # PodSecurityPolicy is gone from Kubernetes; buildMode is upstream's own CI switch
    ("nfs-subdir-provisioner", "test-values"): {"podSecurityPolicy.enabled", "buildMode"},
    # TCP/UDP ports are named after their number here
    ("ingress-nginx", "controller-service-values"): {"portNamePrefix"},
}


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """One dotted key a line -> the nested values file a user of the upstream chart writes."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        parts = str(key).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            assert isinstance(node, dict), f"{key}: {part} is already a value"
        assert parts[-1] not in node, f"{key} given twice"
        node[parts[-1]] = value
    return out


def facts(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    assert isinstance(data, dict), path
    return nest(data)


def ci_files() -> list[tuple[str, Path]]:
    return [(c, p) for c in CHARTS for p in sorted((FIXTURES / c / "ci").glob("*.yaml"))]


@cache
def migrated(chart: str, fixture: str) -> migrate_mod.Result:
    return migrate_mod.migrate(chart, facts(FIXTURES / chart / fixture))


def strict_problems(objs: list[dict[str, Any]]) -> list[str]:
    catalog = CRDCatalog()
    catalog.extend(objs)
    problems: list[str] = []
    for obj in objs:
        try:
            problems += errors(obj, catalog)
        except UnknownKind:
            continue  # CRs of other projects (cert-manager, Prometheus): test_policy checks them per scenario
    return problems


def render_migrated(chart: str, result: migrate_mod.Result, site: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    values = migrate_mod.merge(migrate_mod.merge(result.values, SITE.get(chart, {})), site or {})
    objs = render(chart, values)
    assert objs, f"{chart} rendered nothing"
    return objs


# --- the key maps -------------------------------------------------------------------------------


def _schema_node(schema: dict[str, Any], node: dict[str, Any], part: str | int | None) -> list[dict[str, Any]]:
    """The schemas a path segment leads to (several through anyOf/oneOf), [] when it leads nowhere."""
    if "$ref" in node:
        ref = str(node["$ref"]).removeprefix("#/").split("/")
        target: Any = schema
        for piece in ref:
            target = target[piece]
        node = target
    branches = [node] + [b for k in ("anyOf", "oneOf", "allOf") for b in node.get(k, [])]
    found: list[dict[str, Any]] = []
    for branch in branches:
        if isinstance(part, str):
            props = branch.get("properties") or {}
            if part in props:
                found.append(props[part])
                continue
            extra = branch.get("additionalProperties")
            if isinstance(extra, dict):
                found.append(extra)
            elif extra is None and "properties" not in branch and "patternProperties" not in branch \
                    and branch.get("type") in ("object", None) and "$ref" not in branch:
                found.append({})  # a free object: any key
            found += list((branch.get("patternProperties") or {}).values())
        elif isinstance(branch.get("items"), dict):
            found.append(branch["items"])
    return found


def schema_has(schema: dict[str, Any], path: str) -> bool:
    nodes = [schema]
    for part in split_path(path):
        nodes = [n for node in nodes for n in _schema_node(schema, node, part)]
        if not nodes:
            return False
    return True


@pytest.mark.parametrize("chart", CHARTS)
def test_the_key_map_is_for_an_existing_chart(chart: str) -> None:
    keymap = upstream.load(chart)
    assert get(chart).path.is_dir()
    assert keymap.rules


@pytest.mark.parametrize("chart", CHARTS)
def test_every_key_the_map_writes_exists_in_the_chart_schema(chart: str) -> None:
    schema = json.loads((get(chart).path / "values.schema.json").read_text())
    missing = [f"{rule.key} -> {ours}" for rule in upstream.load(chart).rules for ours in outputs(rule)
               if not schema_has(schema, ours)]
    assert not missing, f"{chart}: keys not in values.schema.json:\n" + "\n".join(missing)


@pytest.mark.parametrize("chart", CHARTS)
def test_every_unsupported_key_is_in_the_readme_not_supported_section(chart: str) -> None:
    listed = upstream_table.not_supported_keys((get(chart).path / "README.md").read_text())
    assert listed, f"{chart}: README has no 'Not supported, and why' table"
    missing = [r.key for r in upstream.load(chart).rules
               if r.kind == "unsupported" and not upstream_table.covered(r.key, listed)]
    assert not missing, f"{chart}: unsupported in the key map but not in the README section: {missing}"


@pytest.mark.parametrize("chart", CHARTS)
def test_every_key_the_readme_calls_unsupported_is_an_upstream_key(chart: str) -> None:
    keymap = upstream.load(chart)
    listed = upstream_table.not_supported_keys((get(chart).path / "README.md").read_text())
    unknown = [k for k in listed
               if not any(upstream_table.covered(r.key, [k]) or upstream_table.covered(k, [r.key])
                          for r in keymap.rules)]
    assert not unknown, f"{chart}: README 'Not supported' names keys the key map lacks: {unknown}"


@pytest.mark.parametrize("chart", CHARTS)
def test_the_readme_feature_table_is_current(chart: str) -> None:
    readme = (get(chart).path / "README.md").read_text()
    assert upstream_table.START in readme, f"{chart}: README lacks the feature table (run invoke docs)"
    assert upstream_table.splice(readme, upstream.load(chart)) == readme, f"{chart}: stale (run invoke docs)"


@pytest.mark.parametrize("chart", CHARTS)
def test_every_upstream_default_key_has_an_entry(chart: str) -> None:
    result = migrated(chart, "defaults.yaml")
    assert not result.unknown, "\n".join(map(str, result.unknown))


# --- migrating upstream's own values ------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_upstream_defaults_migrate_into_values_our_chart_renders(chart: str) -> None:
    result = migrated(chart, "defaults.yaml")
    problems = strict_problems(render_migrated(chart, result))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("chart", "path"), ci_files(), ids=lambda x: x if isinstance(x, str) else x.stem)
def test_upstream_ci_values_migrate_into_values_our_chart_renders(chart: str, path: Path) -> None:
    result = migrated(chart, f"ci/{path.name}")
    assert not result.unknown, "\n".join(map(str, result.unknown))
    named = {s.key for s in result.skipped}
    assert named == CI_NAMED.get((chart, path.stem), set()), result.report()
    problems = strict_problems(render_migrated(chart, result, CI_SITE.get((chart, path.stem))))
    assert not problems, "\n".join(problems)


# --- what the mapping does ----------------------------------------------------------------------

class Exact(dict[str, Any]):
    """An expectation that is the whole result (FILLED is not added to it)."""


MAPPED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # a full image reference splits into registry and repository
    ("nfs-subdir-provisioner",
     {"image": {"repository": "harbor.example.org/k8s/nfs-subdir-external-provisioner", "tag": "v4.0.1"}},
     {"image": {"registry": "harbor.example.org", "repository": "k8s/nfs-subdir-external-provisioner",
                "tag": "v4.0.1"}}),
    # one StorageClass becomes the first of ours, with the fields upstream did not set from our defaults
    ("nfs-subdir-provisioner",
     {"storageClass": {"name": "nfs", "reclaimPolicy": "Retain", "pathPattern": "${.PVC.namespace}"}},
     {"storageClasses": [{"name": "nfs", "defaultClass": False, "reclaimPolicy": "Retain", "archiveOnDelete": True,
                          "onDelete": "", "pathPattern": "${.PVC.namespace}", "mountOptions": [],
                          "volumeBindingMode": "Immediate", "allowVolumeExpansion": True, "labels": {},
                          "annotations": {}}]}),
    # no StorageClass: an empty list, and the other storageClass keys are ignored as upstream does
    ("nfs-subdir-provisioner", {"storageClass": {"create": False, "name": "x", "defaultClass": True}},
     {"storageClasses": []}),
    ("nfs-subdir-provisioner", {"storageClass": {"provisionerName": "feng.org/nfs"}},
     {"provisionerName": "feng.org/nfs"}),
    # labels go on every object and on the pod, as upstream puts them
    ("nfs-subdir-provisioner", {"labels": {"team": "storage"}},
     {"commonLabels": {"team": "storage"}, "podLabels": {"team": "storage"}}),
    # null and "" are upstream's "unset": ours keeps its default
    ("nfs-subdir-provisioner", {"nfs": {"mountOptions": None, "server": ""}, "serviceAccount": {"name": None}}, {}),
    # the volume name only names something (a PersistentVolume) with mount options, here as upstream
    ("nfs-subdir-provisioner", {"nfs": {"volumeName": "root"}}, {}),
    ("nfs-subdir-provisioner", {"nfs": {"volumeName": "root", "mountOptions": ["nfsvers=4.1"]}},
     {"nfs": {"volumeName": "root", "mountOptions": ["nfsvers=4.1"]}}),
    # flags become the typed keys; the ones ours has no key for go to extraArgs
    ("metrics-server", {"args": ["--kubelet-insecure-tls", "--kubelet-request-timeout=5s", "--v=2"]},
     {"kubelet": {"insecureTLS": True}, "extraArgs": {"kubelet-request-timeout": "5s", "v": "2"}}),
    ("metrics-server", {"args": ["--metric-resolution=30s", "--authorization-always-allow-paths=/livez,/metrics"]},
     {"metricResolution": "30s", "metrics": {"enabled": True}}),
    # defaultArgs replaces the chart's flags: what it leaves out falls back to metrics-server's defaults
    ("metrics-server", {"defaultArgs": ["--cert-dir=/tmp", "--kubelet-preferred-address-types=InternalIP"]},
     {"kubelet": {"preferredAddressTypes": ["InternalIP"], "useNodeStatusPort": False}, "metricResolution": "60s"}),
    # upstream's insecure default, kept when the file keeps upstream's self-signed certificate
    ("metrics-server", {"tls": {"type": "metrics-server"}, "apiService": {"insecureSkipTLSVerify": True}},
     {"tls": {"type": "metrics-server"}, "apiService": {"insecureSkipTLSVerify": True}}),
    ("metrics-server", {"containerPort": 4443, "hostNetwork": {"enabled": True}, "replicas": 2},
     {"securePort": 4443, "hostNetwork": True, "replicaCount": 2}),
    ("metrics-server", {"podDisruptionBudget": {"enabled": True, "minAvailable": 1, "maxUnavailable": None}},
     {"pdb": {"enabled": True, "minAvailable": 1, "maxUnavailable": None}}),
    # ours defaults maxUnavailable; upstream has no default, so minAvailable alone clears it
    ("metrics-server", {"tls": {"clusterDomain": "lab.local"}}, {"global": {"clusterDomain": "lab.local"}}),
    ("metrics-server", {"image": {"repository": "registry.k8s.io/metrics-server/metrics-server", "tag": ""}}, {}),
    # settings of nginx's ConfigMap this chart types go to their keys; the rest stay in controller.config
    ("ingress-nginx", {"controller": {"config": {"use-forwarded-headers": "true", "proxy-real-ip-cidr": "10.0.0.0/8, 192.168.0.0/16",
                                                 "allow-snippet-annotations": False, "proxy-body-size": "64m",
                                                 "ssl-dh-param": "ingress-nginx/dh"}}},
     {"controller": {"config": {"proxy-body-size": "64m"}, "dhParamSecret": "dh",
                     "realIP": {"useForwardedHeaders": True, "trustedCIDRs": ["10.0.0.0/8", "192.168.0.0/16"]}}}),
    ("ingress-nginx", {"controller": {"extraArgs": {"default-ssl-certificate": "ingress-nginx/wildcard",
                                                    "enable-ssl-passthrough": ""}}},
     {"controller": {"defaultTLSSecret": "ingress-nginx/wildcard", "extraArgs": {"enable-ssl-passthrough": "true"}}}),
    # a full image reference (upstream's `repository`) splits; an explicit null digest clears ours
    ("ingress-nginx", {"controller": {"image": {"repository": "harbor.example.org/k8s/controller", "tag": "v1.15.1",
                                                "digest": None}}},
     {"controller": {"image": {"registry": "harbor.example.org", "repository": "k8s/controller", "digest": ""}}}),
    ("ingress-nginx", {"controller": {"ingressClassResource": {"name": "internal", "enabled": True},
                                      "ingressClass": "internal", "kind": "DaemonSet", "minAvailable": 2}},
     {"controller": {"kind": "DaemonSet", "ingressClass": {"name": "internal"},
                     "podDisruptionBudget": {"minAvailable": 2}}}),
    ("ingress-nginx", {"controller": {"admissionWebhooks": {"certManager": {"enabled": True}},
                                      "disableLeaderElection": True, "electionTTL": "30s"}},
     {"controller": {"admissionWebhook": {"certificate": {"source": "certManager"}},
                     "extraArgs": {"disable-leader-election": "true", "election-ttl": "30s"}}}),
    # Local is ours' default already: nothing to write
    ("ingress-nginx", {"controller": {"service": {"externalTrafficPolicy": "Local",
                                                  "internal": {"externalTrafficPolicy": "Local"}}}}, Exact()),
    # upstream's DH parameters (base64 PEM) become a Secret of ours, named by dhParamSecret
    ("ingress-nginx", {"dhParam": "LS0tLS1CRUdJTg=="},
     {"controller": {"dhParamSecret": "ingress-nginx-dhparam"},
      "extraObjects": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ingress-nginx-dhparam"},
                        "type": "Opaque", "data": {"dhparam.pem": "LS0tLS1CRUdJTg=="}}]}),
    # Bitnami's primary/secondary pair becomes one StatefulSet: replicas beside the primary
    ("mysql", {"architecture": "replication", "secondary": {"replicaCount": 3, "persistence": {"size": "20Gi"}},
               "primary": {"persistence": {"size": "20Gi"}, "extraFlags": "--max-connections=500 --skip-log-bin"}},
     Exact({"auth": {"database": "my_database"}, "replication": {"replicas": 3}, "persistence": {"size": "20Gi"},
            "extraArgs": ["--max-connections=500", "--skip-log-bin"]})),
    # standalone: Bitnami ignores secondary.*, and so does the migration
    ("mysql", {"secondary": {"replicaCount": 3, "resources": {"requests": {"cpu": "2"}}}}, {}),
    # my.cnf: the settings the chart writes (paths, port, GTID, TLS) go, the tuning stays
    ("mysql", {"primary": {"configuration": "[mysqld]\ndatadir=/bitnami/mysql/data\nport=3306\n"
                                            "innodb_buffer_pool_size=2G\nloose_gtid_mode=ON\n[client]\nport=3306\n"}},
     {"configuration": "[mysqld]\ninnodb_buffer_pool_size=2G\n"}),
    # a fixed address becomes MetalLB's annotation
    ("mysql", {"primary": {"service": {"type": "LoadBalancer", "loadBalancerIP": "10.0.0.20"}}},
     {"service": {"type": "LoadBalancer", "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.20"}}}),
    # a mirror for the images stays; Bitnami's own image names go
    ("mysql", {"image": {"registry": "harbor.example.org", "repository": "bitnami/mysql"},
               "auth": {"database": "shop", "username": "shop"}, "primary": {"podSecurityContext": {"fsGroup": 2000}}},
     {"image": {"registry": "harbor.example.org"}, "auth": {"database": "shop", "username": "shop"},
      "podSecurityContext": {"fsGroup": 2000}}),
    # Bitnami's flat keys find their place; its Secret keys come along
    # (admin is ours' default user name already)
    ("wordpress", {"wordpressUsername": "admin", "existingSecret": "wp-admin", "wordpressSkipInstall": True,
                   "wordpressPlugins": ["akismet", "wordfence"], "smtpHost": "mail.example.org", "smtpPort": "587",
                   "smtpExistingSecret": "smtp"},
     {"install": {"enabled": False, "existingSecret": "wp-admin",
                  "existingSecretPasswordKey": "wordpress-password", "plugins": ["akismet", "wordfence"]},
      "smtp": {"host": "mail.example.org", "existingSecret": "smtp"}}),
    # without the bundled MariaDB, the external database; with it, externalDatabase is ignored (as Bitnami does)
    ("wordpress", {"mariadb": {"enabled": False}, "externalDatabase": {"host": "db.example.org", "existingSecret": "db"}},
     {"mysql": {"enabled": False},
      "externalDatabase": {"host": "db.example.org", "existingSecret": "db", "existingSecretPasswordKey": "mariadb-password"}}),
    ("wordpress", {"externalDatabase": {"host": "db.example.org"}, "mariadb": {"auth": {"database": "blog"}}},
     {"mysql": {"auth": {"database": "blog"}}}),
    ("wordpress", {"ingress": {"enabled": True, "hostname": "blog.example.org", "tls": True, "ingressClassName": "nginx"},
                   "autoscaling": {"targetCPU": 60}},
     {"ingress": {"enabled": True, "host": "blog.example.org", "tls": {"enabled": True}},
      "autoscaling": {"targetCPUUtilizationPercentage": 60}}),
    # one flag per upstream config key: typed here where ours types it, else through config.extra
    ("eck-operator", {"config": {"logVerbosity": "1", "metrics": {"port": "9090"}, "maxConcurrentReconciles": "5",
                                 "kubeClientTimeout": "120s", "elasticsearchClientTimeout": "180s",
                                 "policies": {"passwords": {"length": 32}}}},
     {"config": {"logVerbosity": 1, "metrics": {"port": 9090}, "maxConcurrentReconciles": 5,
                 "extra": {"kube-client-timeout": "120s", "password-length": 32}}}),
    ("eck-operator", {"createClusterScopedResources": False, "managedNamespaces": ["elastic-system"],
                      "installCRDs": False},
     {"rbac": {"profile": "restricted"}, "config": {"exposedNodeLabels": [], "managedNamespaces": ["elastic-system"]},
      "crds": {"enabled": False}}),
    ("eck-operator", {"softMultiTenancy": {"enabled": True}, "kubeAPIServerIP": "10.0.0.1", "kubeAPIServerPort": 6443},
     {"networkPolicy": {"enabled": True, "kubeAPIServer": {"cidrs": ["10.0.0.1/32"], "ports": [6443]}}}),
    ("eck-operator", {"image": {"repository": "harbor.example.org/eck/eck-operator", "tag": "3.5.0"},
                      "webhook": {"caBundle": "Cg==", "certsSecret": "eck-webhook"}},
     {"image": {"registry": "harbor.example.org"}, "webhook": {"certSecret": "eck-webhook"}}),
    # ECK's resource shapes become the typed keys: a node set's pod template gives up what ours types
    ("elasticsearch", {"image": "harbor.example.org/elastic/elasticsearch:9.5.0",
                       "nodeSets": [{"name": "hot", "count": 3, "config": {"node.roles": ["data_hot"], "node.attr.zone": "a"},
                                     "podTemplate": {"metadata": {"labels": {"tier": "hot"}},
                                                     "spec": {"nodeSelector": {"disk": "ssd"},
                                                              "containers": [{"name": "elasticsearch",
                                                                              "resources": {"limits": {"memory": "8Gi"}},
                                                                              "env": [{"name": "ES_JAVA_OPTS", "value": "-Xms4g -Xmx4g"},
                                                                                      {"name": "TZ", "value": "UTC"}]}],
                                                              "initContainers": [{"name": "fs", "image": "busybox"}]}},
                                     "volumeClaimTemplates": [
                                         {"metadata": {"name": "elasticsearch-data"},
                                          "spec": {"storageClassName": "local", "resources": {"requests": {"storage": "500Gi"}}}},
                                         {"metadata": {"name": "snapshots"}, "spec": {"resources": {"requests": {"storage": "1Ti"}}}}]}]},
     {"image": {"registry": "harbor.example.org", "repository": "elastic/elasticsearch", "tag": "9.5.0"},
      "nodeSets": [{"name": "hot", "count": 3, "roles": ["data_hot"], "config": {"node.attr.zone": "a"},
                    "podLabels": {"tier": "hot"}, "nodeSelector": {"disk": "ssd"}, "resources": {"limits": {"memory": "8Gi"}},
                    "heap": "4g",
                    "podTemplate": {"spec": {"containers": [{"name": "elasticsearch", "env": [{"name": "TZ", "value": "UTC"}]}],
                                             "initContainers": [{"name": "fs", "image": "busybox"}]}},
                    "storage": {"size": "500Gi", "storageClass": "local"},
                    "volumeClaimTemplates": [{"metadata": {"name": "snapshots"},
                                              "spec": {"resources": {"requests": {"storage": "1Ti"}}}}]}]}),
    ("elasticsearch", {"http": {"tls": {"selfSignedCertificate": {"subjectAltNames": [{"dns": "es.example.org"}, {"ip": "10.0.0.30"}]}},
                                "service": {"spec": {"type": "LoadBalancer"}, "metadata": {"annotations": {"a": "b"}}}},
                       "podDisruptionBudget": {}, "ingress": {"hosts": [{"host": "es.example.org", "path": "/es"}]}},
     {"http": {"tls": {"subjectAltNames": ["es.example.org", "10.0.0.30"]},
               "service": {"type": "LoadBalancer", "annotations": {"a": "b"}}},
      "podDisruptionBudget": {"enabled": False},
      "ingress": {"elasticsearch": {"host": "es.example.org", "path": "/es"}}}),
    ("elasticsearch", {"http": {"tls": {"certificate": {"secretName": "es-cert"}}},
                       "podDisruptionBudget": {"spec": {"minAvailable": 2}},
                       "monitoring": {"metrics": {"elasticsearchRefs": [{"name": "monitoring"}]}}},
     {"http": {"tls": {"mode": "certificate", "certificateSecret": "es-cert"}},
      "podDisruptionBudget": {"minAvailable": 2}, "monitoring": {"metrics": [{"name": "monitoring"}]}}),
    # upstream's frr-k8s backend is FRR beside the speakers here (ours' default); native BGP only when
    # upstream turned both FRR backends off
    ("metallb", {"frrk8s": {"enabled": False}, "speaker": {"frr": {"enabled": False}}}, Exact({"speaker": {"frr": {"enabled": False}}})),
    ("metallb", {"frrk8s": {"enabled": False}, "speaker": {"frr": {"enabled": True}, "memberlist": {"mlBindPort": 7947},
                                                             "excludeInterfaces": {"enabled": False}}},
     {"speaker": {"memberlistPort": 7947, "excludeInterfaces": []}}),
    ("metallb", {"prometheus": {"metricsPort": 7472}, "controller": {"image": {"repository": "harbor.example.org/metallb/controller"},
                                                                      "securityContext": {"runAsUser": 1000}},
                 "crds": {"validationFailurePolicy": "Ignore"}},
     {"controller": {"metricsPort": 7472, "image": {"registry": "harbor.example.org"},
                     "podSecurityContext": {"runAsUser": 1000}},
      "speaker": {"metricsPort": 7472}, "webhook": {"failurePolicy": "Ignore"}}),
    # upstream adds the control-plane tolerations itself (tolerateMaster, on by default); here they are in the list
    ("metallb", {"speaker": {"tolerations": [{"key": "dedicated", "operator": "Exists"}]}},
     {"speaker": {"tolerations": [
         {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
         {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
         {"key": "dedicated", "operator": "Exists"}]}}),
    ("metallb", {"speaker": {"tolerateMaster": False, "tolerations": [{"key": "dedicated", "operator": "Exists"}]}},
     {"speaker": {"tolerations": [{"key": "dedicated", "operator": "Exists"}]}}),
    ("metallb", {"speaker": {"tolerateMaster": False}}, {"speaker": {"tolerations": []}}),
    ("metallb", {"speaker": {"tolerations": []}}, {}),
    # CoreDNS's server blocks become the typed Corefile: a stub zone, a plugin without a key, a lacking plugin
    ("coredns", {"servers": [
        {"zones": [{"zone": "."}], "port": 53, "plugins": [
            {"name": "errors"}, {"name": "health"}, {"name": "ready"},
            {"name": "kubernetes", "parameters": "cluster.local in-addr.arpa ip6.arpa", "configBlock": "pods verified\nttl 5"},
            {"name": "hosts", "configBlock": "10.0.0.100 harbor.feng.org\nfallthrough"},
            {"name": "forward", "parameters": ". 10.0.0.1 10.0.0.2", "configBlock": "max_concurrent 500"},
            {"name": "cache", "parameters": 60}, {"name": "autopath", "parameters": "@kubernetes"}]},
        {"zones": [{"zone": "corp.example"}], "port": 53,
         "plugins": [{"name": "errors"}, {"name": "forward", "parameters": ". 10.1.1.1"}]}]},
     {"kubernetes": {"pods": "verified", "ttl": 5},
      "hosts": {"entries": [{"ip": "10.0.0.100", "names": ["harbor.feng.org"]}]},
      "forward": {"to": ["10.0.0.1", "10.0.0.2"], "maxConcurrent": 500}, "cache": {"ttl": 60},
      "loop": {"enabled": False}, "reload": {"enabled": False}, "loadbalance": {"enabled": False},
      "prometheus": {"enabled": False}, "extraPlugins": ["autopath @kubernetes"],
      "stubDomains": [{"zone": "corp.example", "servers": ["10.1.1.1"]}]}),
    ("coredns", {"deployment": {"enabled": False}, "customLabels": {"team": "dns"}, "hpa": {"enabled": True, "maxReplicas": 4},
                 "podDisruptionBudget": {"maxUnavailable": 2}, "extraConfig": {"import": {"parameters": "snippets/*"}}},
     Exact({"commonLabels": {"team": "dns"}, "autoscaling": {"enabled": True, "maxReplicas": 4},
            "pdb": {"maxUnavailable": 2}, "extraServerBlocks": "import snippets/*\n"})),
    # the Installation's common fields are typed here; the rest go through extraSpec
    ("calico", {"installation": {"calicoNetwork": {"bgp": "Disabled", "mtu": 1450,
                                                   "ipPools": [{"cidr": "10.244.0.0/16", "encapsulation": "VXLAN"}],
                                                   "nodeAddressAutodetectionV6": {"firstFound": True}},
                                 "flexVolumePath": "None", "registry": "harbor.example.org/"},
                "imagePullSecrets": {"harbor-robot": "e30="}, "manageCRDs": False,
                "tigeraOperator": {"registry": "harbor.example.org", "version": "v1.42.3"}},
     {"installation": {"calicoNetwork": {"bgp": "Disabled", "mtu": 1450}, "registry": "harbor.example.org/",
                       "extraSpec": {"flexVolumePath": "None", "calicoNetwork": {"nodeAddressAutodetectionV6": {"firstFound": True}}}},
      "ipPools": [{"cidr": "10.244.0.0/16", "encapsulation": "VXLAN"}], "imagePullSecrets": ["harbor-robot"],
      "crds": {"enabled": False}, "operator": {"image": {"registry": "harbor.example.org"}}}),
    ("ingress-nginx", {"tcp": {"9000": "default/test:8080"}, "revisionHistoryLimit": 5,
                       "controller": {"extraEnvs": [{"name": "TZ", "value": "UTC"}]}},
     {"controller": {"tcp": {"9000": "default/test:8080"}, "revisionHistoryLimit": 5,
                     "extraEnv": [{"name": "TZ", "value": "UTC"}]}}),
]


# upstream defaults ours has no equivalent default for, written when a file leaves the key out
FILLED: dict[str, dict[str, Any]] = {
    # Bitnami's defaults: one standalone server with a database named my_database
    "mysql": {"architecture": "standalone", "auth": {"database": "my_database"}},
    # the bundled database: one server, as Bitnami's MariaDB
    "wordpress": {"mysql": {"architecture": "standalone"}},
    # upstream runs CoreDNS itself
    "coredns": {"mode": "full"},
    "nfs-subdir-provisioner": {"nfs": {"path": "/nfs-storage"}},
    # upstream leaves the traffic policy to Kubernetes (Cluster); ours defaults to Local
    "ingress-nginx": {"controller": {"service": {"externalTrafficPolicy": "Cluster",
                                                 "internal": {"externalTrafficPolicy": "Cluster"}}}},
}


@pytest.mark.parametrize(("chart", "given", "expected"), MAPPED)
def test_upstream_values_become_ours(chart: str, given: dict[str, Any], expected: dict[str, Any]) -> None:
    result = migrate_mod.migrate(chart, given)
    whole = expected if isinstance(expected, Exact) else migrate_mod.merge(FILLED.get(chart, {}), expected)
    assert result.values == whole
    assert not result.skipped and not result.unknown


NAMED: list[tuple[str, dict[str, Any], str, str]] = [
    ("nfs-subdir-provisioner", {"storageClass": {"accessModes": "ReadWriteMany"}}, "storageClass.accessModes",
     "a StorageClass has no access modes"),
    ("nfs-subdir-provisioner", {"podSecurityPolicy": {"enabled": True}}, "podSecurityPolicy.enabled",
     "PodSecurityPolicy was removed"),
    ("nfs-subdir-provisioner", {"buildMode": True}, "buildMode", "always mounts"),
    ("metrics-server", {"addonResizer": {"enabled": True}}, "addonResizer", "pod_nanny"),
    ("metrics-server", {"apiService": {"insecureSkipTLSVerify": True}}, "apiService.insecureSkipTLSVerify",
     "verifies metrics-server"),
    ("metrics-server", {"livenessProbe": {"httpGet": {"path": "/healthz"}}}, "livenessProbe.httpGet", "/livez"),
    ("metrics-server", {"args": ["--tls-cert-file=/certs/tls.crt"]}, "args: --tls-cert-file=/certs/tls.crt",
     "tls.*"),
    ("metrics-server", {"tls": {"helm": {"lookup": False}}}, "tls.helm.lookup", "always kept"),
    ("metrics-server", {"rbac": {"pspEnabled": True}}, "rbac.pspEnabled", "PodSecurityPolicy"),
    ("ingress-nginx", {"controller": {"kind": "Both"}}, "controller.kind", "install the chart twice"),
    ("ingress-nginx", {"controller": {"keda": {"enabled": True}}}, "controller.keda", "KEDA"),
    ("ingress-nginx", {"controller": {"image": {"chroot": True}}}, "controller.image.chroot", "SYS_CHROOT"),
    ("ingress-nginx", {"controller": {"config": {"add-headers": "ns/cm"}}}, "controller.config: add-headers",
     "controller.addHeaders"),
    ("ingress-nginx", {"controller": {"containerPort": {"http": 8080}}}, "controller.containerPort", "80 and 443"),
    ("ingress-nginx", {"controller": {"extraModules": [{"name": "otel"}]}}, "controller.extraModules", "nginx modules"),
    ("mysql", {"auth": {"rootPassword": "s3cret"}}, "auth.rootPassword", "only in Secrets"),
    ("mysql", {"tls": {"cert": "-----BEGIN CERTIFICATE-----"}}, "tls.cert", "never in values"),
    ("mysql", {"auth": {"createDatabase": False}}, "auth.createDatabase", "always creates"),
    ("mysql", {"image": {"tag": "9.4.0-debian-12-r1"}}, "image.tag", "can't be opened by 8.4"),
    ("mysql", {"primary": {"containerSecurityContext": {"runAsUser": 1001}}},
     "primary.containerSecurityContext.runAsUser", "Bitnami image's user"),
    ("mysql", {"architecture": "replication", "primary": {"resources": {"limits": {"memory": "2Gi"}}},
               "secondary": {"resources": {"limits": {"memory": "1Gi"}}}}, "secondary.resources",
     "already set from primary.resources"),
    ("mysql", {"volumePermissions": {"enabled": True}}, "volumePermissions", "uid 999"),
    ("wordpress", {"wordpressPassword": "s3cret"}, "wordpressPassword", "only in Secrets"),
    ("eck-operator", {"config": {"enableLeaderElection": False}}, "config.enableLeaderElection", "elects a leader"),
    ("metallb", {"frr-k8s": {"prometheus": {"serviceMonitor": {"enabled": True}}}}, "frr-k8s", "frrk8s.external"),
    ("metallb", {"speaker": {"memberlist": {"mlSecretKeyPath": "/run/key"}}}, "speaker.memberlist.mlSecretKeyPath",
     "path inside the pod"),
    ("metallb", {"controller": {"livenessProbe": {"enabled": False}}}, "controller.livenessProbe.enabled", "keeps its probes"),
    ("coredns", {"deployment": {"skipConfig": True}}, "deployment.skipConfig", "config-only"),
    ("coredns", {"k8sAppLabelOverride": "dns"}, "k8sAppLabelOverride", "kube-dns"),
    ("coredns", {"servers": [{"zones": [{"zone": "."}], "port": 53,
                              "plugins": [{"name": "prometheus", "parameters": "0.0.0.0:9253"}]}]}, "servers: prometheus", ":9153"),
    ("calico", {"installation": {"kubernetesProvider": "OpenShift"}}, "installation.kubernetesProvider", "own installer"),
    ("calico", {"installation": {"kubernetesProvider": "OpenShift"}, "calicoctl": {"image": "x"}}, "calicoctl", "OpenShift"),
    ("elasticsearch", {"ingress": {"hosts": [{"host": "a.example.org"}, {"host": "b.example.org"}]}},
     "ingress.hosts: [1]", "one host per Ingress"),
    ("elasticsearch", {"transport": {"service": {"spec": {"type": "LoadBalancer"}}}}, "transport.service",
     "ECK's defaults"),
    ("elasticsearch", {"nodeSets": [{"name": "a", "count": 1, "podTemplate": {"spec": {"containers": [
        {"name": "elasticsearch", "env": [{"name": "ES_JAVA_OPTS", "value": "-Xmx2g -XX:+UseG1GC"}]}]}}}]},
     "nodeSets: [0].podTemplate...ES_JAVA_OPTS", "jvm.options"),
    ("eck-operator", {"webhook": {"certsDir": "/certs"}}, "webhook.certsDir", "looks by default"),
    ("wordpress", {"multisite": {"enable": True}}, "multisite", "network install"),
    ("wordpress", {"wordpressPlugins": "all"}, "wordpressPlugins", "install.plugins"),
    ("wordpress", {"memcached": {"enabled": True}}, "memcached", "memcached"),
    ("wordpress", {"mariadb": {"primary": {"extraFlags": "--x"}}}, "mariadb.primary.extraFlags", "mysql chart"),
    ("wordpress", {"wordpressScheme": "https"}, "wordpressScheme", "behind the ingress"),
    ("mysql", {"primary": {"configuration": "[mysqld]\nmax_connections={{ .Values.maxConn }}\n"}},
     "primary.configuration: max_connections={{ .Values.maxConn }}", "template"),
]


@pytest.mark.parametrize(("chart", "given", "key", "why"), NAMED)
def test_keys_that_cannot_be_carried_over_are_named_with_the_reason(chart: str, given: dict[str, Any], key: str,
                                                                    why: str) -> None:
    result = migrate_mod.migrate(chart, given)
    hits = [s for s in result.skipped if s.key == key]
    assert hits, result.report()
    assert why in hits[0].reason


@pytest.mark.parametrize("chart", CHARTS)
def test_off_values_of_unsupported_keys_lose_nothing_and_are_not_named(chart: str) -> None:
    off = {r.key: r.inert[0] if r.inert else False
           for r in upstream.load(chart).rules if r.kind == "unsupported" and "*" not in r.key}
    result = migrate_mod.migrate(chart, nest(off))
    assert not [s for s in result.skipped if s.key in off], result.report()


def test_image_pull_secrets_upstream_creates_are_named_for_you_to_create() -> None:
    result = migrate_mod.migrate("calico", {"imagePullSecrets": {"harbor-robot": "e30="}})
    assert result.values["imagePullSecrets"] == ["harbor-robot"]
    assert [c.key for c in result.checks] == ["imagePullSecrets"]


def test_a_key_carried_over_with_something_to_do_by_hand_says_what() -> None:
    result = migrate_mod.migrate("mysql", {"auth": {"existingSecret": "db-credentials"}})
    assert result.values["auth"]["existingSecret"] == "db-credentials"
    assert [c.key for c in result.checks] == ["auth.existingSecret"]
    assert "mysql-clone-password" in result.checks[0].reason
    assert any(line.startswith("check: auth.existingSecret") for line in result.report())


def test_a_key_upstream_does_not_have_is_named_as_unknown() -> None:
    result = migrate_mod.migrate("nfs-subdir-provisioner", {"nfs": {"sever": "x", "path": "/x"}, "replicaCount": 2})
    assert [s.key for s in result.unknown] == ["nfs.sever"]
    assert "not a key of the upstream nfs-subdir-external-provisioner chart 4.0.18" in result.unknown[0].reason
    assert result.values == {"nfs": {"path": "/x"}, "replicaCount": 2}


def test_an_upstream_default_ours_lacks_is_written_only_when_the_file_leaves_it_out() -> None:
    assert migrate_mod.migrate("nfs-subdir-provisioner", {}).values == {"nfs": {"path": "/nfs-storage"}}
    assert migrate_mod.migrate("nfs-subdir-provisioner", {"nfs": {"path": "/data"}}).values == {
        "nfs": {"path": "/data"}}


def test_the_upstream_chart_name_finds_our_chart() -> None:
    assert upstream.resolve("nfs-subdir-external-provisioner") == "nfs-subdir-provisioner"
    with pytest.raises(KeyError, match="no key map for 'nope'"):
        upstream.resolve("nope")


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("nfs-subdir-provisioner", {"strategyType": "Bogus"}, "strategyType -> strategyType: 'Bogus' is not one of"),
    ("nfs-subdir-provisioner", {"storageClass": {"reclaimPolicy": "Recycle"}},
     "storageClass.reclaimPolicy -> storageClasses[0].reclaimPolicy"),
]


@pytest.mark.parametrize(("chart", "given", "message"), REFUSED)
def test_a_value_our_chart_refuses_is_an_error_naming_the_upstream_key(chart: str, given: dict[str, Any],
                                                                       message: str) -> None:
    with pytest.raises(migrate_mod.MigrationError, match="refuses") as err:
        migrate_mod.migrate(chart, given)
    assert message in str(err.value)


# --- the task -----------------------------------------------------------------------------------


def test_the_task_writes_ours_to_stdout_and_names_the_rest_on_stderr(tmp_path: Path) -> None:
    given = tmp_path / "old.yaml"
    given.write_text("nfs:\n  server: nfs.example.org\nstorageClass:\n  accessModes: ReadWriteMany\n")
    out = inv("values-from-upstream", "--chart", "nfs-subdir-external-provisioner", "--from", str(given))
    assert out.returncode == 0, out.stderr
    assert yaml.safe_load(out.stdout) == {"nfs": {"server": "nfs.example.org", "path": "/nfs-storage"}}
    assert "not mapped: storageClass.accessModes" in out.stderr


def test_the_task_writes_a_file_with_out_and_checks_the_render(tmp_path: Path) -> None:
    given, dest = tmp_path / "old.yaml", tmp_path / "new.yaml"
    given.write_text("nfs:\n  server: nfs.example.org\n  path: /exports\n")
    out = inv("values-from-upstream", "--chart", "nfs-subdir-provisioner", "--from", str(given), "--out", str(dest),
              "--render")
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert yaml.safe_load(dest.read_text()) == {"nfs": {"server": "nfs.example.org", "path": "/exports"}}


def test_the_task_fails_when_our_chart_does_not_render_with_the_result(tmp_path: Path) -> None:
    given = tmp_path / "old.yaml"
    given.write_text("replicaCount: 2\n")  # no NFS server: ours (like upstream) can't do without one
    out = inv("values-from-upstream", "--chart", "nfs-subdir-provisioner", "--from", str(given), "--render")
    assert out.returncode == 1
    assert "does not render" in out.stderr and "nfs.server" in out.stderr
    assert out.stdout == ""


def test_a_dry_render_shows_the_helm_command(tmp_path: Path) -> None:
    given = tmp_path / "old.yaml"
    given.write_text("replicaCount: 2\n")
    out = inv("--dry", "values-from-upstream", "--chart", "nfs-subdir-provisioner", "--from", str(given), "--render")
    assert out.returncode == 0, out.stderr
    assert "template migrated" in out.stdout and "charts/nfs-subdir-provisioner" in out.stdout


@pytest.mark.parametrize(("content", "message"), [
    ("a: [\n", "is not YAML"),
    ("- a\n- b\n", "a values file is a map of keys, got list"),
    ("strategyType: Bogus\n", "strategyType -> strategyType"),
])
def test_bad_input_fails_with_exit_1_and_a_clear_message(tmp_path: Path, content: str, message: str) -> None:
    given = tmp_path / "old.yaml"
    given.write_text(content)
    out = inv("values-from-upstream", "--chart", "nfs-subdir-provisioner", "--from", str(given))
    assert out.returncode == 1, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""


def test_an_unknown_chart_is_a_usage_error(tmp_path: Path) -> None:
    given = tmp_path / "old.yaml"
    given.write_text("{}\n")
    assert_usage_error(inv("values-from-upstream", "--chart", "nope", "--from", str(given)), "no key map for 'nope'")


def test_a_missing_file_or_option_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(inv("values-from-upstream", "--chart", "mysql", "--from", str(tmp_path / "none.yaml")),
                       "not found")
    assert_usage_error(inv("values-from-upstream", "--from", "x.yaml"), "--chart")
    assert_usage_error(inv("values-from-upstream", "--chart", "mysql"), "--from")


# --- the key maps' own checks -------------------------------------------------------------------

BAD_MAPS: list[tuple[dict[str, Any], str]] = [
    ({"keys": {"a": "b"}, "upstream": {"name": "x", "source": "y", "version": "1"}}, "upstream.appVersion is missing"),
    ({"keys": {}, "upstream": {}}, "`keys` must be a non-empty mapping"),
    ({"keys": {"a": {"to": "b", "fixed": 1, "why": "w"}}}, "needs exactly one of to, unsupported, fixed, dropped"),
    ({"keys": {"a": {"fixed": 1}}}, "`fixed` needs `why`"),
    ({"keys": {"a": {"unsupported": " "}}}, "`unsupported` needs its reason"),
    ({"keys": {"a": {"transform": "enum"}}}, "needs exactly one of"),
    ({"keys": {"a": {"to": "b", "tranform": "enum"}}}, "unknown fields ['tranform']"),
    ({"keys": {"a": {"dropped": "x", "check": "y"}}}, "`check` and `unless` go with `to`"),
    ({"keys": {"a.*": {"to": "b", "default": 1}}}, "`default` goes with `to` on a literal key"),
    ({"keys": {"a": {"to": "b", "when": {"equals": 1}}}}, "`when` needs `key`"),
    ({"keys": {"a": {"unsupported": "x", "inert": "some"}}}, "`inert` is a list of values or `all`"),
    ({"keys": {"a": ["b"]}}, "expected our key or a mapping"),
]


@pytest.mark.parametrize(("data", "message"), BAD_MAPS)
def test_a_malformed_key_map_is_refused_naming_the_key(data: dict[str, Any], message: str) -> None:
    full = {"chart": "x", "upstream": {"name": "x", "source": "y", "version": "1", "appVersion": "1"}, **data}
    with pytest.raises(upstream.KeyMapError, match=re.escape(message)):
        upstream.parse(full, "test.yaml")


def test_an_unknown_transform_is_named() -> None:
    keymap = upstream.parse({"chart": "nfs-subdir-provisioner", "keys": {"a": {"to": "b", "transform": "nope"}},
                             "upstream": {"name": "x", "source": "y", "version": "1", "appVersion": "1"}}, "t")
    with pytest.raises(KeyError, match="unknown transform 'nope'"):
        run_transform(keymap.rules[0], "v", {})


# --- hostile input: a clear result or a clear error, never a crash --------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70000) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


@cache
def _default_keys(chart: str) -> list[str]:
    flat = yaml.safe_load((FIXTURES / chart / "defaults.yaml").read_text()) or {}
    return sorted(flat)


@pytest.mark.parametrize("chart", CHARTS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_under_upstream_keys_gives_ours_or_a_clear_refusal(chart: str, data: st.DataObject) -> None:
    keys = data.draw(st.lists(st.sampled_from(_default_keys(chart)), min_size=1, max_size=6, unique=True))
    given_values = nest({k: data.draw(_json) for k in keys if not any(k != o and o.startswith(k + ".") for o in keys)})
    try:
        result = migrate_mod.migrate(chart, given_values)
    except migrate_mod.MigrationError as err:
        assert str(err).startswith(f"{chart}: the chart refuses"), err
        return
    merged = migrate_mod.merge(yaml.safe_load((get(chart).path / "values.yaml").read_text()), result.values)
    schema = json.loads((get(chart).path / "values.schema.json").read_text())
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(merged))


# --- the render check ---------------------------------------------------------------------------


def test_the_render_check_names_the_upstream_key_behind_a_refusal() -> None:
    result = migrate_mod.migrate("wordpress", {"mariadb": {"enabled": False},
                                               "externalDatabase": {"host": "localhost"}})
    message = migrate_mod.render_check(renderer().helm, result)
    assert message is not None and "externalDatabase.host" in message
    assert "(from the upstream key externalDatabase.host)" in message
    ok = migrate_mod.migrate("wordpress", {"wordpressBlogName": "Blog"})
    assert migrate_mod.render_check(renderer().helm, ok) is None
