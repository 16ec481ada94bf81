"""Hostile inputs: values a careless or malicious user writes must fail naming the key, never
render a broken or dangerous manifest.

Three parts: a table of (chart, values, fragments the message must carry); every object-typed
key with a default set to null; and every free-form string of a schema carrying a YAML
injection, which must either fail or come out of the render verbatim.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from chartops.charts import applications
from tests.helpers import CHARTS, RenderError, render, render_error

# the scenario each chart's hostile values are layered on
BASE = {
    "coredns": "charts/coredns/ci/full-mode-values.yaml",
    "eck-operator": "charts/eck-operator/ci/defaults-values.yaml",
    "elasticsearch": "charts/elasticsearch/ci/defaults-values.yaml",
    "ingress-nginx": "charts/ingress-nginx/ci/defaults-values.yaml",
    "metallb": "charts/metallb/ci/defaults-values.yaml",
    "mysql": "charts/mysql/ci/replication-values.yaml",
    "nfs-subdir-provisioner": "charts/nfs-subdir-provisioner/ci/lab-values.yaml",
}
# the charts whose hostile inputs this module closes (calico, wordpress, metrics-server: their own tests)
OWNED = sorted(BASE)

INJECTED_TAG = "1.0\n  securityContext: {privileged: true}"
SHA = "sha256:" + "a" * 64

# (chart, values, fragments that must all appear in helm's message)
CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []


def case(chart: str, values: dict[str, Any], *fragments: str) -> None:
    CASES.append((chart, values, fragments))


def _image_at(path: str, image: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = image
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


IMAGES = {
    "coredns": ["image"], "eck-operator": ["image"], "elasticsearch": ["image", "kibana.image"],
    "ingress-nginx": ["controller.image"], "metallb": ["controller.image", "speaker.image"],
    "mysql": ["image", "metrics.image"], "nfs-subdir-provisioner": ["image"],
}
# YAML injection and truncation through image references
for chart, paths in IMAGES.items():
    for path in paths:
        key = "/" + path.replace(".", "/")
        case(chart, _image_at(path, {"tag": INJECTED_TAG}), f"{key}/tag")
        case(chart, _image_at(path, {"tag": "1.0 #pinned", "digest": SHA}), f"{key}/tag")
        case(chart, _image_at(path, {"repository": "evil\nimagePullPolicy: Always"}), f"{key}/repository")
        case(chart, _image_at(path, {"registry": "r.example.com #"}), f"{key}/registry")

# label keys and values the API server refuses
case("metallb", {"controller": {"podLabels": {"bad key!": "x"}}}, "bad key!")
case("metallb", {"speaker": {"nodeSelector": {"kubernetes.io/os": "linux os"}}}, "/speaker/nodeSelector/kubernetes.io~1os")
case("mysql", {"podLabels": {"team": "a" * 64}}, "/podLabels/team")
case("coredns", {"commonLabels": {"-leading-dash": "x"}}, "-leading-dash")
case("ingress-nginx", {"controller": {"podLabels": {"app": "x\ny: z"}}}, "/controller/podLabels/app")
case("nfs-subdir-provisioner", {"storageClasses": [{"name": "c", "labels": {"a/b/c": "x"}}]}, "a/b/c")
case("eck-operator", {"podAnnotations": {"not a key": "x"}}, "not a key")
case("elasticsearch", {"nodeSets": [{"name": "default", "count": 1, "podLabels": {"x": "bad value!"}}]},
     "/nodeSets/0/podLabels/x")
case("metallb", {"addressPools": [{"name": "p", "addresses": ["10.0.0.10-10.0.0.20"],
                                   "serviceAllocation": {"namespaceSelectors": [
                                       {"matchExpressions": [{"key": "bad key", "operator": "Exists"}]}]}}]},
     "bad key")

# names that must be DNS names
case("mysql", {"fullnameOverride": "My_MySQL"}, "/fullnameOverride")
case("coredns", {"serviceAccount": {"name": "sa\n  automountServiceAccountToken: true"}}, "/serviceAccount/name")
case("eck-operator", {"priorityClassName": "high #"}, "/priorityClassName")
case("mysql", {"persistence": {"storageClass": "fast\nx: y"}}, "/persistence/storageClass")
case("elasticsearch", {"ingress": {"kibana": {"className": "nginx #"}}}, "/ingress/kibana/className")
case("ingress-nginx", {"controller": {"priorityClassName": "Bad Name"}}, "/controller/priorityClassName")
case("mysql", {"auth": {"existingSecret": "../secret"}}, "/auth/existingSecret")

case("mysql", {"backup": {"enabled": True, "persistence": {"accessModes": ["ReadWriteOnce\nx: y"]}}},
     "/backup/persistence/accessModes/0")

# schedules the CronJob controller rejects
case("mysql", {"backup": {"enabled": True, "schedule": "61 * * *"}}, "/backup/schedule")
case("mysql", {"backup": {"enabled": True, "schedule": "0 3 * * *\nsuspend: true"}}, "/backup/schedule")

# reserved names: a system schema as the app database hands the app user root-level grants
for db in ("mysql", "sys", "information_schema", "PERFORMANCE_SCHEMA"):
    case("mysql", {"auth": {"database": db}}, "auth.database", "system schema")

# path patterns that climb out of the export
for pattern in ("../other", "${.PVC.namespace}/../../etc", ".."):
    case("nfs-subdir-provisioner", {"storageClasses": [{"name": "c", "pathPattern": pattern}]},
         "/storageClasses/0/pathPattern")

# limits below requests
case("mysql", {"resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}},
     "resources.limits.memory", "below resources.requests.memory")
case("mysql", {"agent": {"resources": {"requests": {"cpu": "200m"}, "limits": {"cpu": "0.1"}}}},
     "agent.resources.limits.cpu")
case("mysql", {"metrics": {"enabled": True, "resources": {"requests": {"memory": "1G"}, "limits": {"memory": "900Mi"}}}},
     "metrics.resources.limits.memory")
case("mysql", {"backup": {"enabled": True, "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}}},
     "backup.resources.limits.memory")
case("metallb", {"speaker": {"resources": {"requests": {"cpu": "200m"}, "limits": {"cpu": "100m"}}}},
     "speaker.resources.limits.cpu")
case("metallb", {"controller": {"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "1000Mi"}}}},
     "controller.resources.limits.memory")
case("ingress-nginx", {"controller": {"resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "256Mi"}}}},
     "controller.resources.limits.memory")
case("coredns", {"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "999m"}}}, "resources.limits.cpu")
case("nfs-subdir-provisioner", {"resources": {"requests": {"memory": "64Mi"}, "limits": {"memory": "32Mi"}}},
     "resources.limits.memory")
case("eck-operator", {"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "150Mi"}}},
     "resources.limits.memory")
case("elasticsearch", {"kibana": {"enabled": True, "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}}},
     "kibana.resources.limits.memory")
case("elasticsearch", {"nodeSets": [{"name": "default", "count": 1,
                                     "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]},
     "nodeSets[0].resources.limits.cpu")
case("mysql", {"resources": {"requests": {"memory": "not-a-quantity"}}}, "/resources/requests/memory")

# PodDisruptionBudgets that allow zero disruptions
case("mysql", {"pdb": {"create": True, "maxUnavailable": 0}}, "pdb.maxUnavailable", "no voluntary disruption")
case("mysql", {"pdb": {"create": True, "maxUnavailable": "0%"}}, "pdb.maxUnavailable")
case("coredns", {"pdb": {"enabled": True, "maxUnavailable": 0}}, "pdb.maxUnavailable")
case("ingress-nginx", {"controller": {"replicaCount": 2, "podDisruptionBudget": {"minAvailable": 2}}},
     "controller.podDisruptionBudget.minAvailable", "no voluntary disruption")
case("ingress-nginx", {"controller": {"replicaCount": 3, "podDisruptionBudget": {"minAvailable": "67%"}}},
     "controller.podDisruptionBudget.minAvailable")
case("ingress-nginx", {"controller": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 4},
                                      "podDisruptionBudget": {"minAvailable": "100%"}}},
     "controller.podDisruptionBudget.minAvailable")

# regular expressions the Go binaries (RE2) refuse at run time
BAD_REGEXES = ["^(docker.*", "^docker.*)", "^[a-z.*", "*docker", "^docker\\", "^a**", "^(?!eth0)", "(a)\\1"]
for bad in BAD_REGEXES:
    case("metallb", {"speaker": {"excludeInterfaces": ["^cni.*", bad]}}, "speaker.excludeInterfaces[1]", "Go binary")
case("coredns", {"rewrites": [{"type": "regex", "from": "(.*).feng.org(", "to": "{1}.default.svc.cluster.local"}]},
     "rewrites[0].from")
case("coredns", {"rewrites": [{"type": "regex", "from": "(.*)\\.feng\\.org", "to": "{1}.default.svc.cluster.local",
                               "answerName": {"from": "(.*)\\.default(", "to": "{1}.feng.org"}}]},
     "rewrites[0].answerName.from")

# port collisions inside a pod or on the host network
case("mysql", {"metrics": {"enabled": True, "port": 3306}}, "metrics.port", "mysqld itself listens on")
case("mysql", {"metrics": {"enabled": True, "port": 33060}}, "metrics.port")
case("metallb", {"speaker": {"metricsPort": 7946}}, "speaker.memberlistPort", "equals speaker.metricsPort")
case("metallb", {"speaker": {"metricsPort": 10250}}, "speaker.metricsPort", "the kubelet")
case("metallb", {"speaker": {"memberlistPort": 6443}}, "speaker.memberlistPort", "kube-apiserver")

# a version that disagrees with the image tag
case("elasticsearch", {"image": {"tag": "9.4.0"}}, "image.tag", "version is 9.5.0")
case("elasticsearch", {"kibana": {"enabled": True, "image": {"tag": "8.19.0"}}}, "kibana.image.tag")


@pytest.mark.parametrize(("chart", "values", "fragments"), CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_hostile_value_fails_naming_the_key(chart: str, values: dict[str, Any], fragments: tuple[str, ...]) -> None:
    message = render_error(chart, values, (BASE[chart],))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


@pytest.mark.parametrize(("chart", "values"), [
    ("ingress-nginx", {"controller": {"replicaCount": 3, "podDisruptionBudget": {"minAvailable": "66%"}}}),
    ("ingress-nginx", {"controller": {"replicaCount": 2, "podDisruptionBudget": {"minAvailable": 1}}}),
    ("mysql", {"pdb": {"create": True, "maxUnavailable": "1%"}}),
    ("mysql", {"resources": {"requests": {"memory": "1Gi", "cpu": "500m"}, "limits": {"memory": "1024Mi", "cpu": 1}}}),
    ("nfs-subdir-provisioner", {"storageClasses": [{"name": "c", "pathPattern": "${.PVC.namespace}/..data"}]}),
    ("elasticsearch", {"image": {"tag": "9.5.0-ubi"}}),
    ("metallb", {"speaker": {"excludeInterfaces": ["^(docker|cni)[0-9]*$", "^veth.+", "^[a-z]\\.x?$", "^br-[^ ]{1,12}$",
                                                   "^x{2,3}$", "^\\(lit\\)$", "^a*?b+?$"]}}),
    ("coredns", {"rewrites": [{"type": "regex", "from": "(.*)\\.feng\\.org", "to": "{1}.default.svc.cluster.local",
                               "answerName": {"from": "(.*)\\.default\\.svc\\.cluster\\.local", "to": "{1}.feng.org"}}]}),
], ids=["pdb-66%-of-3", "pdb-1-of-2", "pdb-1%", "limit-equal-request", "dots-in-a-name", "tag-variant",
        "good-regexes", "good-rewrite-regex"])
def test_values_at_the_boundary_still_render(chart: str, values: dict[str, Any]) -> None:
    """The checks above refuse only what can't work: the nearest good values render."""
    assert render(chart, values, (BASE[chart],))


# --- null for an object value -------------------------------------------------------------------

def _schema(chart: str) -> dict[str, Any]:
    return dict(json.loads((CHARTS / chart / "values.schema.json").read_text()))


def _required_objects(schema: dict[str, Any], defaults: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of object-typed keys that have a default (helm deletes a key set to null)."""
    found: list[tuple[str, ...]] = []
    props = schema.get("properties") or {}
    for key, child in props.items():
        if key in ("global", "common") or not isinstance(defaults, dict) or not isinstance(defaults.get(key), dict):
            continue
        child = _resolve(child, _schema_root)
        types = child.get("type") if isinstance(child.get("type"), list) else [child.get("type")]
        if "object" in types:
            found.append(path + (key,))
            found += _required_objects(child, defaults[key], path + (key,))
    return found


_schema_root: dict[str, Any] = {}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return dict(root.get("definitions", {}).get(ref.split("/")[-1], {}))
    return node


def _nulls_by_depth(chart: str) -> dict[int, list[tuple[str, ...]]]:
    global _schema_root
    _schema_root = _schema(chart)
    defaults = yaml.safe_load((CHARTS / chart / "values.yaml").read_text()) or {}
    out: dict[int, list[tuple[str, ...]]] = {}
    for path in _required_objects(_schema_root, defaults):
        out.setdefault(len(path), []).append(path)
    return out


NULL_CASES = [(chart, depth, paths) for chart in OWNED for depth, paths in sorted(_nulls_by_depth(chart).items())]


def _set(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = values
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


@pytest.mark.parametrize(("chart", "depth", "paths"), NULL_CASES, ids=[f"{c}-depth{d}" for c, d, _ in NULL_CASES])
def test_null_for_an_object_fails_naming_the_key(chart: str, depth: int, paths: list[tuple[str, ...]]) -> None:
    """All keys of one depth at once: helm lists every missing property in one message."""
    values: dict[str, Any] = {}
    for path in paths:
        _set(values, path, None)
    message = render_error(chart, values, (BASE[chart],))
    for path in paths:
        where = "/" + "/".join(path[:-1])
        assert f"'{path[-1]}'" in message and f"at '{where if path[:-1] else ''}'" in message, (
            f"null {'.'.join(path)} is not named:\n{message}")


def test_every_owned_chart_has_object_keys_under_the_null_check() -> None:
    assert {c for c, _, _ in NULL_CASES} == set(OWNED)


# --- YAML injection through free-form strings ------------------------------------------------------

def _free_strings(node: dict[str, Any], root: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Object paths (no arrays) to string leaves that no pattern or enum constrains."""
    node = _resolve(node, root)
    found: list[tuple[str, ...]] = []
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "string" in types and not any(k in node for k in ("pattern", "enum", "const")) and path:
        found.append(path)
    for key, child in (node.get("properties") or {}).items():
        if key not in ("global", "common"):
            found += _free_strings(child, root, path + (key,))
    return found


def _marker(i: int) -> str:
    return f"hostile{i} #c\nINJECTED{i}: x"


def _injected_keys(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [k for k in obj if str(k).startswith("INJECTED")] + [k for v in obj.values() for k in _injected_keys(v)]
    if isinstance(obj, list):
        return [k for v in obj for k in _injected_keys(v)]
    return []


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


@pytest.mark.parametrize("chart", OWNED)
def test_free_strings_reach_yaml_quoted(chart: str) -> None:
    """Each free string at once carries a newline and ' #': it must come out whole, or not at all."""
    root = _schema(chart)
    paths = _free_strings(root, root)
    values: dict[str, Any] = {}
    for i, path in enumerate(paths):
        _set(values, path, _marker(i))
    try:
        objs = render(chart, values, (BASE[chart],))
    except RenderError as err:
        named = [p for p in paths if "/" + "/".join(p) in err.stderr or ".".join(p) in err.stderr]
        assert named, f"{chart} refused the hostile strings without naming a key:\n{err.stderr}"
        return
    assert _injected_keys(objs) == [], f"{chart}: a free string added keys to the manifest"
    text = _strings(objs)
    for i, path in enumerate(paths):
        cut = [s for s in text if f"hostile{i}" in s and _marker(i) not in s]
        assert not cut, f"{chart}: {'.'.join(path)} was cut or re-parsed on its way into YAML: {cut[:2]}"


def test_owned_charts_are_the_applications_with_a_base() -> None:
    assert set(OWNED) <= {c.name for c in applications()}


# --- the platform's address plan (values/lab.yaml: nodes 10.0.0.0/24, pool 10.0.0.10-50 less .13) ---

LAB = "values/lab.yaml"
POOL = [{"name": "lab-pool", "addresses": ["10.0.0.10-10.0.0.12", "10.0.0.14-10.0.0.50"]}]
ADDRESS_PLAN: list[tuple[dict[str, Any], tuple[str, ...]]] = [
    ({"ingress-nginx": {"controller": {"service": {"loadBalancerIP": "",
                                                   "annotations": {"metallb.io/loadBalancerIPs": "fd00::10"}}}}},
     ("metallb.io/loadBalancerIPs", "IPv6", "every MetalLB pool is IPv4")),
    ({"ingress-nginx": {"controller": {"service": {"annotations": {"metallb.universe.tf/address-pool": "lab-pool"}}}}},
     ("ingress-nginx.controller.service.annotations.metallb.universe.tf/address-pool", "metallb.io/address-pool")),
    ({"ingress-nginx": {"controller": {"service": {"loadBalancerIP": "",
                                                   "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.11,10.0.0.12"}}}}},
     ("metallb.io/loadBalancerIPs", "two IPv4 addresses")),
    # beside the lab's loadBalancerIP, ingress-nginx's own check answers first: one of the two must go
    ({"ingress-nginx": {"controller": {"service": {"annotations": {"metallb.io/loadBalancerIPs": "10.0.0.12"}}}}},
     ("controller.service.annotations set metallb.io/loadBalancerIPs", "controller.service.loadBalancerIP",
      "keep one")),
    ({"metallb": {"addressPools": [dict(POOL[0], serviceAllocation={"namespaces": ["wordpress"]})]}},
     ("metallb.addressPools[lab-pool].serviceAllocation.namespaces", "ingress-nginx")),
    ({"global": {"network": {"serviceCIDR": "10.0.0.0/16", "nodeCIDR": "10.0.0.0/24", "podCIDR": "192.168.0.0/16"}}},
     ("global.network.serviceCIDR", "node network")),
    ({"metallb": {"addressPools": POOL + [{"name": "far", "addresses": ["172.20.0.0/28"]}],
                  "l2Advertisements": [{"name": "lab-l2", "interfaces": ["eth0"]}]}},
     ("metallb.addressPools[1].addresses[0]", "outside the node network")),
    ({"nfs-subdir-provisioner": {"nfs": {"server": "10.0.0.20"}}},
     ("lab-pool", "10.0.0.20", "nfs-subdir-provisioner.nfs.server")),
    ({"coredns": {"hosts": {"entries": [{"ip": "10.0.0.30", "names": ["app.feng.org"]}]}}},
     ("10.0.0.30", "coredns.hosts.entries[0].ip")),
    ({"coredns": {"stubDomains": [{"zone": "corp.feng.org", "servers": ["10.0.0.40:53"], "cache": 30}]}},
     ("10.0.0.40", "coredns.stubDomains[0].servers[0]")),
    ({"coredns": {"forward": {"to": ["10.0.0.41"]}}}, ("10.0.0.41", "coredns.forward.to[0]")),
    ({"calico": {"bgp": {"peers": [{"name": "tor", "peerIP": "10.0.0.42", "asNumber": 64512}]}}},
     ("10.0.0.42", "calico.bgp.peers[0].peerIP")),
]


@pytest.mark.parametrize(("values", "fragments"), ADDRESS_PLAN, ids=[f"plan-{i}" for i in range(len(ADDRESS_PLAN))])
def test_address_plan_gap_fails_naming_the_key(values: dict[str, Any], fragments: tuple[str, ...]) -> None:
    message = render_error("platform", values, (LAB,))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


@pytest.mark.parametrize("values", [
    {"ingress-nginx": {"controller": {"service": {"loadBalancerIP": "",
                                                  "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.11,fd00::10"}}}},
     "metallb": {"addressPools": POOL + [{"name": "v6", "addresses": ["fd00::/120"]}]}},
    {"metallb": {"addressPools": [dict(POOL[0], serviceAllocation={"namespaces": ["ingress-nginx", "wordpress"]})]}},
    {"metallb": {"addressPools": POOL + [{"name": "far", "addresses": ["172.20.0.0/28"]}]}},
], ids=["dual-stack", "pool-shared-with-ingress-namespace", "unannounced-pool-outside-node-network"])
def test_address_plan_that_works_renders(values: dict[str, Any]) -> None:
    assert render("platform", values, (LAB,))


# --- list items missing fields get the documented defaults, not null ---------------------------------

def _nulls(obj: Any, path: str = "") -> list[str]:
    if obj is None:
        return [path]
    if isinstance(obj, dict):
        return [n for k, v in obj.items() for n in _nulls(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [n for i, v in enumerate(obj) for n in _nulls(v, f"{path}[{i}]")]
    return []


def test_a_storage_class_item_with_only_a_name_gets_the_documented_defaults() -> None:
    objs = render("nfs-subdir-provisioner", {"storageClasses": [{"name": "bare"}]}, (BASE["nfs-subdir-provisioner"],))
    sc = next(o for o in objs if o["kind"] == "StorageClass")
    assert _nulls(sc) == []
    assert sc["allowVolumeExpansion"] is True and sc["parameters"]["archiveOnDelete"] == "true"
    assert sc["reclaimPolicy"] == "Delete" and sc["volumeBindingMode"] == "Immediate"


@pytest.mark.parametrize("chart", OWNED)
def test_no_owned_scenario_renders_a_null(chart: str) -> None:
    """A null in a manifest is a value the template expected and did not get."""
    objs = render(chart, values_files=(BASE[chart],))
    found = [f"{o['kind']}/{o['metadata'].get('name')}{n}" for o in objs for n in _nulls(o)]
    assert found == []
