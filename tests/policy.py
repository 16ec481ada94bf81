"""The cross-cutting policy every chart's rendered objects must meet.

Pure functions over parsed objects, so they are unit-tested on synthetic
objects (tests/test_policy_rules.py) and applied to every scenario of every
chart (tests/test_policy.py). Exceptions come from tests/policy_allowlist.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import containers, pod_spec

Obj = dict[str, Any]

ALLOWLIST = Path(__file__).with_name("policy_allowlist.yaml")
ALLOWED_CAPABILITIES = {"NET_BIND_SERVICE"}


@dataclass(frozen=True)
class Violation:
    check: str
    kind: str
    name: str
    container: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.kind}/{self.name}" + (f" container {self.container}" if self.container else "")
        return f"[{self.check}] {where}: {self.detail}"


@dataclass(frozen=True)
class Exception_:
    chart: str
    kind: str
    name: str
    container: str
    check: str
    reason: str

    def covers(self, v: Violation) -> bool:
        return (
            self.kind == v.kind and self.check == v.check
            and fnmatch(v.name, self.name) and fnmatch(v.container or "", self.container)
        )


def load_allowlist(path: Path = ALLOWLIST) -> list[Exception_]:
    entries = yaml.safe_load(path.read_text()) or []
    out = []
    for e in entries:
        missing = {"chart", "kind", "name", "check", "reason"} - set(e)
        if missing:
            raise ValueError(f"{path.name}: entry {e} lacks {sorted(missing)}")
        if not str(e["reason"]).strip():
            raise ValueError(f"{path.name}: entry {e} has an empty reason")
        out.append(Exception_(e["chart"], e["kind"], e["name"], e.get("container", "*"), e["check"], e["reason"]))
    return out


def _meta_name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _effective(container: Obj, pod: Obj, key: str) -> Any:
    """A securityContext field as the kubelet sees it: the container's, else the pod's."""
    value = (container.get("securityContext") or {}).get(key)
    return (pod.get("securityContext") or {}).get(key) if value is None else value


def container_violations(obj: Obj) -> Iterator[Violation]:
    pod = pod_spec(obj)
    if pod is None:
        return
    kind, name = str(obj["kind"]), _meta_name(obj)
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            yield Violation("host-namespaces", kind, name, "", f"{flag}: true")
    init_names = {c["name"] for c in pod.get("initContainers") or []}
    for c in containers(obj):
        cname = c.get("name", "")

        def v(check: str, detail: str, cname: str = cname) -> Violation:
            return Violation(check, kind, name, cname, detail)

        sc = c.get("securityContext") or {}
        res = c.get("resources") or {}
        if not res.get("requests") or not (res.get("limits") or {}).get("memory"):
            yield v("resources", "needs requests and a memory limit")
        if cname not in init_names:
            if not c.get("livenessProbe"):
                yield v("liveness-probe", "no livenessProbe")
            if not c.get("readinessProbe"):
                yield v("readiness-probe", "no readinessProbe")
        if sc.get("allowPrivilegeEscalation") is not False:
            yield v("no-privilege-escalation", "allowPrivilegeEscalation is not false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            yield v("drop-all", "capabilities.drop lacks ALL")
        extra = set(caps.get("add") or []) - ALLOWED_CAPABILITIES
        if extra:
            yield v("added-capabilities", f"adds {sorted(extra)}")
        if sc.get("privileged"):
            yield v("privileged", "privileged: true")
        if _effective(c, pod, "runAsNonRoot") is not True or _effective(c, pod, "runAsUser") == 0:
            yield v("run-as-non-root", "runAsNonRoot is not true (or runAsUser is 0)")
        seccomp = (_effective(c, pod, "seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield v("seccomp", f"seccompProfile type is {seccomp!r}, want RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            yield v("read-only-root-fs", "readOnlyRootFilesystem is not true")
        image = str(c.get("image", ""))
        if not image_is_pinned(image):
            yield v("pinned-image", f"image {image!r} has no pinned tag or digest")


def cr_pod_templates(obj: Obj) -> list[tuple[str, Obj]]:
    """Pod specs that an operator turns into pods: ECK's podTemplate fields (Elasticsearch node sets, Kibana)."""
    spec = obj.get("spec") or {}
    found = []
    for node_set in spec.get("nodeSets") or []:
        found.append((f"nodeSets[{node_set.get('name')}]", ((node_set.get("podTemplate") or {}).get("spec") or {})))
    if "podTemplate" in spec:
        found.append(("podTemplate", (spec["podTemplate"] or {}).get("spec") or {}))
    return found


def cr_pod_violations(obj: Obj) -> Iterator[Violation]:
    """The dangerous settings a chart writes into an operator's pod template.

    The operator fills in images, probes and most of the security context itself, so only what
    the chart adds is judged: privileged containers, added capabilities, host namespaces, root.
    """
    if pod_spec(obj) is not None:
        return
    kind, name = str(obj.get("kind")), _meta_name(obj)
    for where, pod in cr_pod_templates(obj):
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(flag):
                yield Violation("host-namespaces", kind, name, "", f"{where}: {flag}: true")
        for c in list(pod.get("containers") or []) + list(pod.get("initContainers") or []):
            sc = c.get("securityContext") or {}
            cname = str(c.get("name", ""))
            if sc.get("privileged"):
                yield Violation("privileged", kind, name, cname, f"{where}: privileged: true")
            extra = set((sc.get("capabilities") or {}).get("add") or []) - ALLOWED_CAPABILITIES
            if extra:
                yield Violation("added-capabilities", kind, name, cname, f"{where}: adds {sorted(extra)}")
            if sc.get("runAsUser") == 0 or sc.get("runAsNonRoot") is False:
                yield Violation("run-as-non-root", kind, name, cname, f"{where}: runs as root")


def image_is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and not last.endswith(":latest") and not last.endswith(":")


def rbac_violations(obj: Obj) -> Iterator[Violation]:
    if obj.get("kind") not in ("Role", "ClusterRole"):
        return
    for i, rule in enumerate(obj.get("rules") or []):
        for field in ("verbs", "resources", "apiGroups", "nonResourceURLs"):
            if "*" in (rule.get(field) or []):
                yield Violation("rbac-wildcard", str(obj["kind"]), _meta_name(obj), "", f"rules[{i}].{field} has '*'")


def _pod_template_labels(objs: Iterable[Obj]) -> list[tuple[str, dict[str, str]]]:
    found = []
    for o in objs:
        if o.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
            labels = ((o.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
            found.append(((o.get("metadata") or {}).get("namespace", ""), labels))
    return found


def service_violations(objs: list[Obj]) -> Iterator[Violation]:
    templates = _pod_template_labels(objs)
    for svc in (o for o in objs if o.get("kind") == "Service"):
        selector = (svc.get("spec") or {}).get("selector") or {}
        if not selector:
            continue
        ns = (svc.get("metadata") or {}).get("namespace", "")
        if not any(ns == tns and selector.items() <= labels.items() for tns, labels in templates):
            yield Violation("service-selects-pods", "Service", _meta_name(svc), "",
                            f"selector {selector} matches no pod template in namespace {ns!r}")


def namespace_violations(objs: Iterable[Obj], is_namespaced: Any) -> Iterator[Violation]:
    """is_namespaced(apiVersion, kind) -> bool | None (None: unknown kind, reported elsewhere)."""
    for o in objs:
        if is_namespaced(o.get("apiVersion"), o.get("kind")) and not (o.get("metadata") or {}).get("namespace"):
            detail = "namespaced object without metadata.namespace"
            yield Violation("namespace", str(o["kind"]), _meta_name(o), "", detail)


def all_violations(objs: list[Obj], is_namespaced: Any) -> list[Violation]:
    found: list[Violation] = []
    for o in objs:
        found += container_violations(o)
        found += cr_pod_violations(o)
        found += rbac_violations(o)
    found += service_violations(objs)
    found += namespace_violations(objs, is_namespaced)
    return found


def unexcused(violations: Iterable[Violation], exceptions: list[Exception_]) -> list[Violation]:
    """Violations no exception covers; the caller picks the exceptions that apply to the chart."""
    return [v for v in violations if not any(e.covers(v) for e in exceptions)]
