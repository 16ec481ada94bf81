"""Wiring every scenario must get right, whatever the chart: what a pod, a Service
and the kubelet would find at run time.

- every container port and every probe port is one the process listens on: a
  flag or env value, a mounted config that names it, or the image's built-in
  default (the small table below, from the upstream projects' docs);
- every probe's named port is one of the container's ports;
- every Service port's targetPort is a port of the pods the Service selects;
- every volume is mounted and every mount has its volume;
- every ConfigMap and Secret a pod reads exists in the render, or is optional,
  or is one the chart documents as made by someone else (the table below);
- every key a pod reads from a rendered ConfigMap or Secret exists in it;
- every file path a container's arguments name under a ConfigMap or Secret
  mount is a key of that ConfigMap or Secret.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from chartops.charts import Scenario, scenarios
from tests.helpers import ROOT, containers, pod_spec, render

SCENARIOS = scenarios()
Obj = dict[str, Any]

# Ports a process listens on without being told, by (app.kubernetes.io/name, container): upstream defaults.
BUILT_IN_PORTS: dict[tuple[str, str], set[int]] = {
    ("metallb", "controller"): {17472, 9443},  # --health-probe-port default; the webhook server's port
    ("metallb", "speaker"): {17472},           # --health-probe-port default
    ("ingress-nginx", "controller"): {80, 443, 10254},  # --http-port, --https-port, --healthz-port defaults
    ("mysql", "mysql"): {3306},                # mysqld's default port

    ("coredns", "coredns"): {8080, 8181},      # the health and ready plugins' default addresses
    ("coredns", "autoscaler"): {8080},         # cluster-proportional-autoscaler's fixed health server
}


def _external(scn: Scenario, objs: list[Obj]) -> set[str]:
    """ConfigMaps/Secrets made outside the release: named by the user under an `existing...` key of the
    scenario's values, or made at run time by a component of the chart told their name (`..._SECRET_NAME`)."""
    names: set[str] = set()

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key.lower().startswith("existing"):
            names.add(node)

    for f in scn.values_files:
        walk(yaml.safe_load((ROOT / f).read_text()))
    for o in objs:
        for c in containers(o):
            names |= {str(e.get("value")) for e in c.get("env") or [] if e["name"].endswith("SECRET_NAME")}
        if o.get("kind") == "Certificate":  # cert-manager writes the Secret a Certificate names
            names.add(str((o.get("spec") or {}).get("secretName")))
        if o.get("kind") == "Elasticsearch":  # ECK writes the cluster's HTTP CA and elastic user Secrets
            name = o["metadata"]["name"]
            names |= {f"{name}-es-http-certs-public", f"{name}-es-elastic-user"}
    return names


def _render(scn: Scenario) -> list[Obj]:
    return render(scn.chart, values_files=scn.values_files)


def _workloads(objs: list[Obj]) -> Iterator[tuple[Obj, Obj]]:
    for o in objs:
        spec = pod_spec(o)
        if spec is not None:
            yield o, spec


def _where(o: Obj, c: Obj | None = None) -> str:
    return f"{o['kind']} {o['metadata']['name']}" + (f" container {c['name']}" if c else "")


def _data(obj: Obj) -> dict[str, str]:
    """A ConfigMap's or Secret's entries as text."""
    out = {k: str(v) for k, v in (obj.get("data") or {}).items()}
    if obj["kind"] == "Secret":
        out = {k: base64.b64decode(v).decode(errors="replace") for k, v in out.items()}
        out.update({k: str(v) for k, v in (obj.get("stringData") or {}).items()})
    out.update({k: "<binary>" for k in obj.get("binaryData") or {}})
    return out


def _by_name(objs: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _volume_sources(volume: Obj) -> Iterator[tuple[str, str, list[Obj]]]:
    """(kind, name, items) of each ConfigMap or Secret behind a volume."""
    if "configMap" in volume:
        yield "ConfigMap", volume["configMap"]["name"], volume["configMap"].get("items") or []
    if "secret" in volume:
        yield "Secret", volume["secret"]["secretName"], volume["secret"].get("items") or []
    for src in (volume.get("projected") or {}).get("sources") or []:
        if "configMap" in src:
            yield "ConfigMap", src["configMap"]["name"], src["configMap"].get("items") or []
        if "secret" in src:
            yield "Secret", src["secret"]["name"], src["secret"].get("items") or []


def _optional(volume: Obj) -> bool:
    srcs = [volume.get("configMap"), volume.get("secret")] + [
        s.get("configMap") or s.get("secret") for s in (volume.get("projected") or {}).get("sources") or []]
    return any(s and s.get("optional") for s in srcs)


def _mounted_text(objs: list[Obj], spec: Obj, c: Obj) -> str:
    """Everything the container reads as configuration: args, env, and the ConfigMaps/Secrets it mounts."""
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    parts = [*(c.get("command") or []), *(c.get("args") or [])]
    parts += [str(e.get("value", "")) for e in c.get("env") or []]
    for m in c.get("volumeMounts") or []:
        for kind, name, _ in _volume_sources(volumes.get(m["name"], {})):
            source = _by_name(objs, kind).get(name)
            parts += list(_data(source).values()) if source else []
    for name in re.findall(r"-configmap=(?:[^/\s]+/)?([\w.-]+)", " ".join(parts)):
        source = _by_name(objs, "ConfigMap").get(name)  # read through the API, e.g. ingress-nginx tcp/udp services
        parts += [f"{k} {v}" for k, v in _data(source).items()] if source else []
    for ref in c.get("envFrom") or []:
        kind, name = ("ConfigMap", ref["configMapRef"]["name"]) if "configMapRef" in ref else (
            "Secret", ref["secretRef"]["name"])
        source = _by_name(objs, kind).get(name)
        parts += list(_data(source).values()) if source else []
    return "\n".join(parts)


def _listens(objs: list[Obj], o: Obj, spec: Obj, c: Obj) -> set[int]:
    text = _mounted_text(objs, spec, c)
    found = {int(n) for n in re.findall(r"(?<![\w.])(\d{2,5})(?![\w.])", text)}
    name = (o["metadata"].get("labels") or {}).get("app.kubernetes.io/name", "")
    return found | BUILT_IN_PORTS.get((name, c["name"]), set())


def _probe_ports(c: Obj) -> Iterator[tuple[str, Any]]:
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        handler = c.get(probe) or {}
        for kind in ("httpGet", "tcpSocket", "grpc"):
            if kind in handler:
                yield f"{probe}.{kind}", handler[kind]["port"]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_declared_and_probed_port_is_one_the_process_listens_on(scn: Scenario) -> None:
    objs = _render(scn)
    problems = []
    for o, spec in _workloads(objs):
        # a probe may ask a sibling container: they share the pod's network (MetalLB's FRR
        # container is judged by /livez of the exporter beside it, as upstream does)
        declared = {p["containerPort"] for c in containers(o, init=False) for p in c.get("ports") or []}
        for c in containers(o):
            ports = {p["containerPort"] for p in c.get("ports") or []}
            names = {p.get("name") for p in c.get("ports") or []}
            listens = _listens(objs, o, spec, c)
            problems += [f"{_where(o, c)}: containerPort {p} is not a port it is told to listen on"
                         for p in sorted(ports - listens)]
            for probe, port in _probe_ports(c):
                if isinstance(port, str) and port not in names:
                    problems.append(f"{_where(o, c)}: {probe} port {port!r} is not a named port of the container")
                if isinstance(port, int) and port not in listens | declared:
                    problems.append(f"{_where(o, c)}: {probe} port {port} is not one it or a container beside it "
                                    "listens on")
    assert problems == []


def _selects(selector: dict[str, str], o: Obj) -> bool:
    """The pod template carries the selector's labels; a label it lacks may be set at run time
    (mysql's agent labels the primary), but the chart's name and instance labels must match."""
    labels = ((o.get("spec") or {}).get("template", {}).get("metadata", {}).get("labels")) or {}
    fixed = {k: v for k, v in selector.items() if k in labels or k.startswith("app.kubernetes.io/")}
    return bool(fixed) and all(labels.get(k) == v for k, v in fixed.items())


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_service_target_port_is_a_port_of_the_selected_pods(scn: Scenario) -> None:
    objs = _render(scn)
    problems = []
    for svc in (o for o in objs if o["kind"] == "Service"):
        spec = svc.get("spec") or {}
        if not spec.get("selector"):
            continue  # endpoints managed elsewhere
        pods = [o for o, _ in _workloads(objs) if _selects(spec["selector"], o)
                and o["metadata"].get("namespace") == svc["metadata"].get("namespace")]
        declared = [(p.get("name"), p["containerPort"], p.get("protocol", "TCP"))
                    for o in pods for c in containers(o, init=False) for p in c.get("ports") or []]
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port["port"])
            proto = port.get("protocol", "TCP")
            ok = any((target == name if isinstance(target, str) else target == number) and proto == p
                     for name, number, p in declared)
            if not ok:
                problems.append(f"Service {svc['metadata']['name']} port {port['port']}/{proto}: targetPort "
                                f"{target!r} is no port of the pods it selects ({sorted(map(str, declared))})")
    assert problems == []


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_volume_is_mounted_and_every_mount_has_a_volume(scn: Scenario) -> None:
    problems = []
    for o, spec in _workloads(_render(scn)):
        # a StatefulSet's volumeClaimTemplates are volumes of its pods too
        volumes = {v["name"] for v in spec.get("volumes") or []} | {
            t["metadata"]["name"] for t in (o.get("spec") or {}).get("volumeClaimTemplates") or []}
        mounted = set()
        for c in containers(o):
            for m in (c.get("volumeMounts") or []) + (c.get("volumeDevices") or []):
                mounted.add(m["name"])
                if m["name"] not in volumes:
                    problems.append(f"{_where(o, c)}: mounts {m['name']!r}, which is no volume of the pod")
        problems += [f"{_where(o)}: volume {v!r} is mounted by no container" for v in sorted(volumes - mounted)]
    assert problems == []


def _references(spec: Obj) -> Iterator[tuple[str, str, str | None, bool, str]]:
    """(kind, name, key or None, optional, where) of each ConfigMap/Secret a pod reads."""
    for v in spec.get("volumes") or []:
        for kind, name, items in _volume_sources(v):
            yield kind, name, None, _optional(v), f"volume {v['name']}"
            for item in items:
                yield kind, name, item["key"], _optional(v), f"volume {v['name']}"
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for e in c.get("env") or []:
            ref = (e.get("valueFrom") or {})
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if field in ref:
                    r = ref[field]
                    yield kind, r["name"], r["key"], bool(r.get("optional")), f"{c['name']} env {e['name']}"
        for ref in c.get("envFrom") or []:
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if field in ref:
                    r = ref[field]
                    yield kind, r["name"], None, bool(r.get("optional")), f"{c['name']} envFrom"
    for s in spec.get("imagePullSecrets") or []:
        yield "Secret", s["name"], None, True, "imagePullSecrets"  # the registry's, made by the site


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_configmap_and_secret_a_pod_reads_exists_with_its_keys(scn: Scenario) -> None:
    objs = _render(scn)
    problems = []
    for o, spec in _workloads(objs):
        for kind, name, key, optional, where in _references(spec):
            source = _by_name(objs, kind).get(name)
            if source is None:
                if not optional and name not in _external(scn, objs):
                    problems.append(f"{_where(o)} {where}: {kind} {name} is not rendered")
            elif key is not None and key not in _data(source):
                problems.append(f"{_where(o)} {where}: {kind} {name} has no key {key!r}")
    assert problems == []


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_config_file_named_in_arguments_is_mounted(scn: Scenario) -> None:
    objs = _render(scn)
    problems = []
    for o, spec in _workloads(objs):
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for c in containers(o):
            args = " ".join((c.get("command") or []) + (c.get("args") or []))
            for m in c.get("volumeMounts") or []:
                sources = list(_volume_sources(volumes.get(m["name"], {})))
                if not sources or m.get("subPath"):
                    continue
                keys: set[str] = set()
                for kind, name, items in sources:
                    source = _by_name(objs, kind).get(name)
                    keys |= {i["path"] for i in items} if items else set(_data(source)) if source else set()
                for path in re.findall(re.escape(m["mountPath"].rstrip("/")) + r"/([\w./-]+)", args):
                    if keys and path not in keys:
                        problems.append(f"{_where(o, c)}: argument names {m['mountPath']}/{path}, "
                                        f"but the mount holds {sorted(keys)}")
    assert problems == []


STANDARD_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
                   "app.kubernetes.io/part-of", "helm.sh/chart")


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_object_carries_the_standard_labels(scn: Scenario) -> None:
    """`kubectl get -l app.kubernetes.io/instance=<release>` and helm's own bookkeeping find every object."""
    problems = []
    for o in _render(scn):
        labels = (o.get("metadata") or {}).get("labels") or {}
        missing = [k for k in STANDARD_LABELS if not labels.get(k)]
        if missing:
            problems.append(f"{_where(o)}: no {', '.join(missing)}")
        elif labels["app.kubernetes.io/instance"] != "test" or labels["app.kubernetes.io/managed-by"] != "Helm":
            problems.append(f"{_where(o)}: instance/managed-by are not the release's")
    assert problems == []


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_workload_selects_its_own_pods(scn: Scenario) -> None:
    """The API server refuses a selector its template's labels don't match."""
    problems = []
    for o, _ in _workloads(_render(scn)):
        selector = ((o.get("spec") or {}).get("selector") or {}).get("matchLabels")
        if o["kind"] in ("Job", "CronJob") and not selector:
            continue
        labels = ((o["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"{_where(o)}: selector {selector} does not match its pod labels {labels}")
    assert problems == []


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_env_var_is_named_once_with_one_source(scn: Scenario) -> None:
    """The API server refuses an env var with both value and valueFrom; a name given twice keeps only the last."""
    problems = []
    for o, _ in _workloads(_render(scn)):
        for c in containers(o):
            names = [e["name"] for e in c.get("env") or []]
            problems += [f"{_where(o, c)}: env {n} twice" for n in sorted({n for n in names if names.count(n) > 1})]
            for e in c.get("env") or []:
                if "value" in e and "valueFrom" in e:
                    problems.append(f"{_where(o, c)}: env {e['name']} has both value and valueFrom")
                source = e.get("valueFrom") or {}
                if "valueFrom" in e and len(source) != 1:
                    problems.append(f"{_where(o, c)}: env {e['name']} needs exactly one source, has {sorted(source)}")
    assert problems == []


TARGET_FIELD = {"Utilization": "averageUtilization", "AverageValue": "averageValue", "Value": "value"}


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_autoscaler_scales_a_rendered_workload_on_what_it_requests(scn: Scenario) -> None:
    """An HPA whose target names no workload, lacks its target value, or measures utilisation of a
    resource the pods don't request, never scales (the controller reports FailedGetResourceMetric)."""
    objs = _render(scn)
    problems = []
    for hpa in (o for o in objs if o["kind"] == "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        targets = [o for o in objs if o["kind"] == ref["kind"] and o["metadata"]["name"] == ref["name"]]
        if len(targets) != 1:
            problems.append(f"{_where(hpa)}: scales {ref['kind']} {ref['name']}, which is not rendered")
            continue
        spec = hpa["spec"]
        if not 1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"]:
            problems.append(f"{_where(hpa)}: minReplicas {spec.get('minReplicas')} > maxReplicas {spec['maxReplicas']}")
        for metric in spec.get("metrics") or []:
            resource = metric.get("resource") or {}
            target = resource.get("target") or {}
            field = TARGET_FIELD.get(target.get("type", ""))
            if field is None or field not in target:
                problems.append(f"{_where(hpa)}: {resource.get('name')} target {target} lacks its value")
            if target.get("type") == "Utilization":
                name = resource["name"]
                unrequested = [c["name"] for c in containers(targets[0], init=False)
                               if name not in ((c.get("resources") or {}).get("requests") or {})]
                if unrequested:
                    problems.append(f"{_where(hpa)}: {name} utilisation, but {unrequested} request no {name}")
    assert problems == []
