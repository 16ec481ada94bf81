"""Every value a chart's README documents is set, by some test, to something other than its
default, and what the user sets there reaches the objects.

tests/values_coverage.py reads which values the ci scenarios, the overlays and the tests' own
values set. Each value none of them sets gets a probe here: a value the schema takes, different
from the default, chosen so it can be found in the render (a distinctive string, label key or
number), or, for booleans, enums and small numbers, a render of its own that must differ from
the scenario's. A probe that reaches nothing in any of the chart's scenarios is a value the
chart documents and ignores: it fails here, unless NEEDS names the values that switch it on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from functools import cache
from typing import Any

import pytest

from chartops.charts import Scenario, scenarios
from tests.helpers import CHARTS, ROOT, RenderError, render, renderer
from tests.schema_paths import BASE, deref, schema
from tests.values_coverage import UNKNOWN, documented, uncovered

# values that only act together with others: key -> the values that switch it on
NEEDS: dict[tuple[str, str], dict[str, Any]] = {
    ("mysql", "backup"): {"backup": {"enabled": True}},
    ("calico", "installation.calicoNetwork.nodeAddressAutodetectionV4"):
        {"installation": {"calicoNetwork": {"nodeAddressAutodetectionV4": {"firstFound": False}}}},
    ("ingress-nginx", "controller.metrics.serviceMonitor"):
        {"controller": {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}}},
    ("ingress-nginx", "controller.service.nodePorts.udp"):
        {"controller": {"udp": {"5353": "kube-system/hrdn-dns:53"}, "service": {"type": "NodePort"}}},
    ("platform", "coredns.mode"): {"coredns": {"service": {"clusterIP": "10.96.0.10"}}},
    ("elasticsearch", "kibana.service"): {"kibana": {"enabled": True, "service": {"type": "LoadBalancer"}}},
    ("wordpress", "smtp.existingSecretPasswordKey"): {"smtp": {"host": "smtp.example.com", "user": "wp",
                                                               "existingSecret": "hrdn-smtp"}},
    ("mysql", "networkPolicy"): {"networkPolicy": {"enabled": True, "allowExternalEgress": False}},
    ("mysql", "passwordUpdateJob"): {"passwordUpdateJob": {"enabled": True}, "auth": {"existingSecret": "hrdn-new"}},
    ("eck-operator", "networkPolicy"): {"networkPolicy": {"enabled": True}},
    ("wordpress", "networkPolicy"): {"networkPolicy": {"enabled": True}},
    ("elasticsearch", "networkPolicy"): {"networkPolicy": {"enabled": True}},
}

# documented values whose effect no render shows, by design, and the test that covers them instead
EXEMPT: dict[tuple[str, str], str] = {
    **{("platform", f"{c}.common.enabled"): "tests/test_shared_library.py: the switch must change nothing rendered"
       for c in ("calico", "coredns", "metallb", "ingress-nginx", "nfs-subdir-provisioner", "metrics-server")},
    ("wordpress", "mysql.common.enabled"): "tests/test_shared_library.py: the switch must change nothing rendered",
}

# probes for shapes the schema can't give one for (selectors, env lists, open config maps, the
# umbrella's subchart switches): key -> (value, token to find; None: the render must change)
SUBCHARTS = ("calico", "coredns", "metallb", "ingress-nginx", "nfs-subdir-provisioner", "metrics-server")
EXPLICIT: dict[tuple[str, str], tuple[Any, str | None]] = {
    ("eck-operator", "webhook.namespaceSelector"): ({"matchLabels": {"hrdn.example.com/ns": "x"}}, "hrdn.example.com/ns"),
    ("eck-operator", "webhook.objectSelector"): ({"matchLabels": {"hrdn.example.com/obj": "x"}}, "hrdn.example.com/obj"),
    ("eck-operator", "env"): ([{"name": "HRDN_PROBE", "value": "x"}], "HRDN_PROBE"),
    ("elasticsearch", "kibana.config"): ({"hrdn.probe": "x"}, "hrdn.probe"),
    ("metallb", "speaker.updateStrategy"): ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "37%"}}, "37%"),
    ("mysql", "imagePullSecrets"): (["hrdn-pull"], "hrdn-pull"),
    ("wordpress", "imagePullSecrets"): (["hrdn-pull"], "hrdn-pull"),
    ("coredns", "imagePullSecrets"): (["hrdn-pull"], "hrdn-pull"),
    ("wordpress", "mysql.auth.database"): ("hrdndb", "hrdndb"),
    ("wordpress", "mysql.auth.username"): ("hrdnuser", "hrdnuser"),
    ("platform", "coredns.mode"): ("full", None),
    ("ingress-nginx", "imagePullSecrets"): (["hrdn-pull"], "hrdn-pull"),
    ("mysql", "passwordUpdateJob.resources"): ({"requests": {"cpu": "17m", "memory": "33Mi"}, "limits": {"memory": "77Mi"}},
                                               "77Mi"),
    ("mysql", "networkPolicy.kubeAPIServer.ports"): ([16443], "16443"),
    ("mysql", "networkPolicy.extraEgress"): ([{"ports": [{"port": 15999, "protocol": "TCP"}]}], "15999"),
    ("eck-operator", "networkPolicy.extraIngress"): ([{"ports": [{"port": 15998, "protocol": "TCP"}]}], "15998"),
    ("eck-operator", "networkPolicy.extraEgress"): ([{"ports": [{"port": 15997, "protocol": "TCP"}]}], "15997"),
    ("wordpress", "networkPolicy.extraIngress"): ([{"ports": [{"port": 15996, "protocol": "TCP"}]}], "15996"),
    ("elasticsearch", "networkPolicy.extraEgress"): ([{"ports": [{"port": 15995, "protocol": "TCP"}]}], "15995"),
    ("calico", "operator.extraEnv"): ([{"name": "HRDN_PROBE", "value": "x"}], "HRDN_PROBE"),
    ("calico", "rbac.extraRules"): ([{"apiGroups": [""], "resources": ["hrdnprobes"], "verbs": ["get"]}], "hrdnprobes"),
    ("ingress-nginx", "controller.extraEnv"): ([{"name": "HRDN_PROBE", "value": "x"}], "HRDN_PROBE"),
    ("ingress-nginx", "controller.service.loadBalancerSourceRanges"): (["10.77.0.0/16"], "10.77.0.0/16"),
    ("ingress-nginx", "controller.service.nodePorts.udp"): ({"5353": 31777}, "31777"),
    ("ingress-nginx", "controller.topologySpreadConstraints"):
        ([{"maxSkew": 1, "topologyKey": "hrdn.example.com/zone", "whenUnsatisfiable": "ScheduleAnyway"}],
         "hrdn.example.com/zone"),
    ("platform", "calico.namespace.create"): (False, None),
    ("platform", "ingress-nginx.namespace.create"): (False, None),
    **{("platform", f"{c}.enabled"): (False, None) for c in SUBCHARTS},
    **{("platform", f"{c}.namespaceOverride"): ("hrdn-ns", "hrdn-ns") for c in SUBCHARTS},
}

STRINGS = ["hrdn-probe-{i}", "hrdn{i}.example.com", "10.0.{a}.{b}", "{n}Gi", "{n}00m", "hrdnprobe{i}",
           "30 {h} * * *", "sha256:" + "b" * 63 + "{d}", "9.{i}.0", "Hrdn{i}", "/hrdn/probe{i}", "{n}s", "{n}m",
           "hrdn_probe_{i}", "https://hrdn{i}.example.com", "hrdn-probe-{i}:5000", "--hrdn-probe-{i}",
           "--hrdn-probe-{i}=1", "-hrdn-probe-{i}", "10.{b}.{a}.0/24", "{n}"]


def node_for(root: dict[str, Any], key: str) -> dict[str, Any] | None:
    node = deref(root, root)
    for part in key.split("."):
        props = node.get("properties") or {}
        if part not in props:
            return None
        node = deref(props[part], root)
    return node


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("type")
    return t if isinstance(t, list) else [t] if isinstance(t, str) else []


def probe(node: dict[str, Any], default: Any, i: int, root: dict[str, Any] | None = None) -> tuple[Any, str | None]:
    """(value, token to find in the render) for a node; token None: compare whole renders;
    value None: no probe for this shape (a list of objects, a structured object)."""
    types = _types(node)
    if "enum" in node:
        other = [v for v in node["enum"] if v != default and v not in ("", None)]
        return (other[0], None) if other else (None, None)
    if "boolean" in types:
        return (not bool(default), None)
    if "integer" in types or "number" in types:
        lo, hi = int(node.get("minimum", 0)), int(node.get("maximum", 2**31 - 1))
        if hi - lo > 50000:
            value = min(max(lo, 40000 + i), hi)
            if value != default:
                return value, str(value)
        for value in (int(default or 0) + 1, int(default or 0) - 1, lo, hi):
            if lo <= value <= hi and value != default:
                return value, None
        return None, None
    if "string" in types:
        pattern = node.get("pattern")
        subs = {"i": i, "a": i // 250, "b": i % 250 + 1, "n": i % 9 + 2, "h": i % 20 + 1, "d": i % 10}
        for shape in STRINGS:
            value = shape.format(**subs)
            if value == default or len(value) > node.get("maxLength", 10**6) or len(value) < node.get("minLength", 0):
                continue
            if pattern is None or re.search(pattern, value):
                return value, value if len(value) >= 5 else None
        return None, None
    patterns = node.get("patternProperties") or {}
    if "object" in types and patterns:
        key = f"hrdn.example.com/p{i}"
        child = next((deref(v, {}) for p, v in patterns.items() if re.search(p, key)), None)
        if child is not None:
            return {key: f"v{i}"}, key
    if node.get("$ref", "").endswith("tolerations") or "array" in types and "allOf" in (node.get("items") or {}):
        key = f"hrdn.example.com/t{i}"
        return [{"key": key, "operator": "Exists", "effect": "NoSchedule"}], key
    if "object" in types and set(node.get("properties") or {}) == {"nodeAffinity", "podAffinity", "podAntiAffinity"}:
        key = f"hrdn.example.com/a{i}"
        term = {"matchExpressions": [{"key": key, "operator": "Exists"}]}
        return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}, key
    if "array" in types:
        items = deref(node.get("items"), root or {}) if isinstance(node.get("items"), dict) else {}
        if "anyOf" in items:  # e.g. pull secrets: a name or {name}
            items = deref(next((b for b in items["anyOf"] if "string" in _types(b)), {}), root or {})
        if _types(items) == ["string"] or "enum" in items:
            value, token = probe(items, None, i, root)
            if value is not None:
                return [value], token
    props = node.get("properties") or {}
    if "object" in types and props:  # a structured object: probe one of its leaves
        for name, child in props.items():
            value, token = probe(deref(child, root or {}), (default or {}).get(name) if isinstance(default, dict) else None,
                                 i, root)
            if value is not None and not isinstance(value, (dict, list)):
                return {name: value}, token
    return None, None


def probe_key(key: str, node: dict[str, Any], default: Any, i: int, root: dict[str, Any]) -> tuple[Any, str | None]:
    open_object = _types(node) == ["object"] and not node.get("properties") and node.get("additionalProperties") is not False
    if open_object and key.endswith("ecurityContext"):  # passed through to the pod or container
        return {"runAsUser": 40000 + i}, str(40000 + i)
    return probe(node, default, i, root)


def nest(key: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return dict(out)


def deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = deep_merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def _needs(chart: str, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (c, prefix), extra in NEEDS.items():
        if c == chart and (key == prefix or key.startswith(prefix + ".")):
            out = deep_merge(out, extra)
    return out


def notes_of(chart: str, values: dict[str, Any], scn: Scenario) -> str:
    """The NOTES a user reads after installing (helm template leaves them out)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(values, f)
        f.flush()
        cmd = [str(renderer().helm.path), "install", "notes-probe", str(CHARTS / chart), "--dry-run=client",
               *(a for v in scn.values_files for a in ("-f", str(ROOT / v))), "-f", f.name]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env=dict(os.environ, KUBECONFIG=os.devnull))
    return proc.stdout.split("\nNOTES:\n", 1)[1] if "\nNOTES:\n" in proc.stdout else ""


def text_of(chart: str, values: dict[str, Any], scn: Scenario) -> str | None:
    try:
        return json.dumps(render(chart, values, scn.values_files), sort_keys=True)
    except RenderError:
        return None


def batch_text(chart: str, batch: dict[str, tuple[Any, str | None]], scn: Scenario
               ) -> tuple[str | None, dict[str, tuple[Any, str | None]]]:
    """The render with every probe of the batch at once, leaving out those the chart refuses in that
    company (some values exclude each other): (render, the probes it holds)."""
    while batch:
        values: dict[str, Any] = {}
        for key, (value, _) in batch.items():
            values = deep_merge(deep_merge(values, _needs(chart, key)), nest(key, value))
        try:
            return json.dumps(render(chart, values, scn.values_files), sort_keys=True), batch
        except RenderError as err:
            named = [k for k in batch if k in err.stderr or k.rsplit(".", 1)[0] + " " in err.stderr
                     or "/" + k.replace(".", "/") in err.stderr]
            if not named:
                return None, batch
            batch = {k: p for k, p in batch.items() if k not in named}
    return None, batch


@cache
def missing() -> dict[str, list[str]]:
    """Documented values no scenario, overlay or test sets (read when the tests run, not at collection)."""
    return uncovered()


@pytest.mark.parametrize("chart", sorted(BASE))
def test_documented_values_no_test_sets_reach_the_objects(chart: str) -> None:
    keys = [k for k in missing().get(chart, []) if (chart, k) not in EXEMPT]
    root = schema(chart)
    defaults = documented(chart)
    chart_scenarios = sorted((s for s in scenarios() if s.chart == chart and (chart != "platform" or len(s.values_files) <= 1)),
                             key=lambda s: s.values_files != (BASE[chart],))
    probes: dict[str, tuple[Any, str | None]] = {}
    unprobed: list[str] = []
    for i, key in enumerate(keys):
        node = node_for(root, key)
        if (chart, key) in EXPLICIT:
            value, token = EXPLICIT[(chart, key)]
        else:
            value, token = probe_key(key, node, defaults[key], i, root) if node is not None else (None, None)
        if value is None:
            unprobed.append(key)
        else:
            probes[key] = (value, token)
    reached: set[str] = set()
    for scn in chart_scenarios:
        if set(probes) <= reached:
            break
        base = text_of(chart, {}, scn)
        if base is None:
            continue
        batch = {k: p for k, p in probes.items() if p[1] and k not in reached}
        text, batch = batch_text(chart, batch, scn)
        for key, (value, token) in probes.items():
            if key in reached:
                continue
            if token and key in batch and text is not None and token not in base:
                if token in text:
                    reached.add(key)
                continue
            alone = text_of(chart, deep_merge(_needs(chart, key), nest(key, value)), scn)
            before = text_of(chart, _needs(chart, key), scn) or base
            if alone is not None and (token in alone and token not in before if token else alone != before):
                reached.add(key)
    for key, (value, token) in probes.items():  # what the user is told to do is output too
        token = token or (value if isinstance(value, str) else None)
        for scn in chart_scenarios if key not in reached and token else []:
            if token in notes_of(chart, deep_merge(_needs(chart, key), nest(key, value)), scn):
                reached.add(key)
                break
    dead = [f"{k}={probes[k][0]!r}" for k in probes if k not in reached]
    assert dead == [], f"{chart}: documented values that reach no object in any scenario: {dead}"
    assert unprobed == [], (f"{chart}: documented values no test sets and no probe can be made for: {unprobed}; "
                            "add a test that sets them")


def test_coverage_reads_the_tests() -> None:
    """The coverage reader finds values the tests set (so its gaps are real gaps)."""
    assert "auth.database" not in missing().get("mysql", [])
    assert UNKNOWN is not None
