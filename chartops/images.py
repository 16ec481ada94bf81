"""Every container image an install runs, and a script that mirrors them into Harbor.

Images come from two places: the pod templates a render holds (Deployments,
DaemonSets, Jobs, hooks, …, and the podTemplates of custom resources), and the
operators, which start images that appear in no manifest. What each operator
starts for a custom resource lives in one table, OPERATOR_IMAGES, keyed by CR
kind. Mirror rewrites (global.imageRegistry / global.imageFlatten, Calico's
Installation.spec.registry, ECK's container-registry) are the charts' job; the
list shows the references the cluster will pull, after those rewrites.

What is rendered: each values file names its chart. values/<env>.yaml is for
charts/platform; values/apps/<chart>-<env>.yaml is for charts/<chart>; the
`global` section of the platform files is applied to the app charts too, since
global values are shared by the whole suite (so a mirror overlay rewrites the
apps as well). Without values files, every application chart is rendered with
its defaults, or with its first ci scenario when the defaults do not render.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartops.charts import Chart, applications, get, overlay_target
from chartops.helm import Helm
from chartops.render import Renderer, RenderError, Request

Obj = dict[str, Any]

CALICO_REGISTRY = "quay.io/"
ELASTIC_REGISTRY = "docker.elastic.co"
# The Calico release each pinned tigera/operator deploys (its pkg/components).
CALICO_RELEASE_OF_OPERATOR = {"v1.42.3": "v3.32.1"}


@dataclass(frozen=True)
class Managed:
    """Images an operator starts for one custom resource; `family` says how their names are built."""

    family: str  # "calico": Installation registry/imagePath/imagePrefix; "elastic": spec.image or container-registry
    images: tuple[str, ...]
    unless: Mapping[str, str] = field(default_factory=dict)  # image -> spec field whose value "None" disables it


OPERATOR_IMAGES: dict[str, Managed] = {
    # tigera-operator (operator.tigera.io/v1)
    "Installation": Managed(
        "calico",
        ("calico/node", "calico/cni", "calico/kube-controllers", "calico/typha", "calico/pod2daemon-flexvol",
         "calico/csi", "calico/node-driver-registrar"),
        {"calico/pod2daemon-flexvol": "flexVolumePath", "calico/csi": "kubeletVolumePluginPath",
         "calico/node-driver-registrar": "kubeletVolumePluginPath"},
    ),
    "APIServer": Managed("calico", ("calico/apiserver",)),
    "Goldmane": Managed("calico", ("calico/goldmane",)),
    "Whisker": Managed("calico", ("calico/whisker", "calico/whisker-backend")),
    # ECK (*.k8s.elastic.co): the Stack image of spec.version; init containers reuse it
    "Elasticsearch": Managed("elastic", ("elasticsearch/elasticsearch",)),
    "Kibana": Managed("elastic", ("kibana/kibana",)),
    "ApmServer": Managed("elastic", ("apm/apm-server",)),
    "Logstash": Managed("elastic", ("logstash/logstash",)),
}

POD_LISTS = ("containers", "initContainers", "ephemeralContainers")


class ImagesError(RuntimeError):
    """The image list could not be made; the message says which chart or file and what to do."""


# --- what to render ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    chart: Chart
    values_files: tuple[Path, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


def chart_for(values_file: Path, charts: Sequence[Chart]) -> Chart:
    """The chart a values file targets, by the suite's overlay naming (chartops.charts.overlay_target)."""
    if values_file.parent.name != "apps":
        return get("platform")
    by_name = {c.name: c for c in charts}
    target = overlay_target(values_file, list(by_name))
    if target is None:
        raise ImagesError(f"{values_file}: no chart matches {values_file.stem!r}; name app values "
                          f"<chart>-<env>.yaml (charts: {', '.join(by_name)})")
    return by_name[target]


def targets(values_files: Sequence[Path], charts: Sequence[Chart] | None = None) -> list[Target]:
    charts = list(charts) if charts is not None else applications()
    if not values_files:
        return [Target(c) for c in charts]
    for f in values_files:
        if not f.is_file():
            raise ImagesError(f"values file {f} does not exist")
    grouped: dict[str, tuple[Chart, list[Path]]] = {}
    for f in values_files:
        chart = chart_for(f, charts)
        grouped.setdefault(chart.name, (chart, []))[1].append(f)
    shared: dict[str, Any] = {}
    for f in grouped.get("platform", (None, []))[1]:
        data = yaml.safe_load(f.read_text()) or {}
        shared.update(data.get("global") or {})
    return [
        Target(chart, tuple(files), {"global": shared} if shared and chart.name != "platform" else {})
        for chart, files in grouped.values()
    ]


def render_target(renderer: Renderer, target: Target) -> list[Obj]:
    request = Request(target.chart.path, dict(target.values), target.values_files)
    try:
        return renderer.render(request)
    except RenderError as err:
        if target.values_files or not target.chart.scenarios:
            raise ImagesError(f"{target.chart.name} does not render: {err.stderr}") from err
    first = target.chart.scenarios[0]
    try:
        return renderer.render(Request(target.chart.path, {}, (first,)))
    except RenderError as err:
        raise ImagesError(f"{target.chart.name} renders neither with its defaults nor with {first.name}: "
                          f"{err.stderr}") from err


# --- images in manifests ----------------------------------------------------------------------


def pod_image_slots(node: Any, where: str = "") -> Iterable[tuple[str, str]]:
    """(where, image) of every container list anywhere in an object (pod templates, CR podTemplates).

    `where` names the container by its place (path and container name), the same in a render
    with and without mirror settings, so an upstream image and its mirrored reference pair up.
    """
    if isinstance(node, dict):
        for key, value in node.items():
            if key in POD_LISTS and isinstance(value, list):
                for i, c in enumerate(value):
                    if isinstance(c, dict) and isinstance(c.get("image"), str) and c["image"]:
                        yield f"{where}.{key}[{i}]({c.get('name', '')})", c["image"]
            else:
                yield from pod_image_slots(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from pod_image_slots(item, f"{where}[{i}]")


def pod_images(node: Any) -> Iterable[str]:
    """Images of every container list anywhere in an object (pod templates, CR podTemplates)."""
    return (image for _, image in pod_image_slots(node))


def calico_release(objs: Sequence[Obj], cr: Obj) -> str:
    """The Calico version: from the pinned operator's image tag, else the chart's version label."""
    for image in (i for o in objs if o.get("kind") == "Deployment" for i in pod_images(o)):
        ref = Ref.parse(image)
        if ref.name.endswith("operator") and ref.tag in CALICO_RELEASE_OF_OPERATOR:  # also mirrored, renamed
            return CALICO_RELEASE_OF_OPERATOR[ref.tag]
    label = ((cr.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/version")
    if label:
        return str(label)
    raise ImagesError(
        f"{cr.get('kind')} {cr['metadata'].get('name')}: cannot tell the Calico release; add the operator's tag to "
        "CALICO_RELEASE_OF_OPERATOR in chartops/images.py"
    )


def calico_reference(image: str, spec: Mapping[str, Any], version: str) -> str:
    """The operator's naming: <registry><imagePath or calico>/<imagePrefix><name>:<version>."""
    registry = str(spec.get("registry") or CALICO_REGISTRY)
    if not registry.endswith("/"):
        registry += "/"
    path, name = image.rsplit("/", 1)
    path = str(spec.get("imagePath") or path)
    return f"{registry}{path}/{spec.get('imagePrefix') or ''}{name}:{version}"


def elastic_registry(objs: Sequence[Obj]) -> str:
    """container-registry from the ECK operator's eck.yaml, when the operator is in what was rendered."""
    for o in objs:
        if o.get("kind") == "ConfigMap" and "eck.yaml" in (o.get("data") or {}):
            conf = yaml.safe_load(o["data"]["eck.yaml"]) or {}
            if conf.get("container-registry"):
                return str(conf["container-registry"]).rstrip("/")
    return ELASTIC_REGISTRY


def operator_images(objs: Sequence[Obj], context: Sequence[Obj]) -> list[str]:
    """Images the operators start for the custom resources among objs (context: every rendered object)."""
    return [image for _, image in operator_image_slots(objs, context)]


def operator_image_slots(objs: Sequence[Obj], context: Sequence[Obj]) -> list[tuple[str, str]]:
    """(custom resource and component, image) the operators start for the custom resources among objs."""
    out: list[tuple[str, str]] = []
    for cr in objs:
        managed = OPERATOR_IMAGES.get(str(cr.get("kind")))
        if managed is None or "/" not in str(cr.get("apiVersion", "")):
            continue
        spec = cr.get("spec") or {}
        if managed.family == "calico":
            # every component takes its registry, imagePath and imagePrefix from the Installation
            inst = next((o.get("spec") or {} for o in context if o.get("kind") == "Installation"), spec)
            version = calico_release(context, cr)
            where = f"{cr.get('kind')}/{(cr.get('metadata') or {}).get('name')}"
            out += [(f"{where}:{i}", calico_reference(i, inst, version)) for i in managed.images
                    if spec.get(managed.unless.get(i, "")) != "None"]
        elif spec.get("image"):
            out.append((f"{cr.get('kind')}/{cr['metadata'].get('name')}:image", str(spec["image"])))
        else:
            if not spec.get("version"):
                raise ImagesError(f"{cr['kind']} {cr['metadata'].get('name')}: no spec.image and no spec.version")
            out += [(f"{cr.get('kind')}/{cr['metadata'].get('name')}:{i}",
                     f"{elastic_registry(context)}/{i}:{spec['version']}") for i in managed.images]
    return out


def image_slots(objs: Sequence[Obj], context: Sequence[Obj] | None = None) -> dict[str, str]:
    """Every image of these objects by its place: kind/namespace/name plus container, or CR plus component."""
    out: dict[str, str] = {}
    for o in objs:
        if o.get("kind") == "CustomResourceDefinition":
            continue
        meta = o.get("metadata") or {}
        name = f"{o.get('kind')}/{meta.get('namespace', '')}/{meta.get('name')}"
        out.update((f"{name}{where}", image) for where, image in pod_image_slots(o))
    out.update(operator_image_slots(objs, context if context is not None else objs))
    return out


def images_in(objs: Sequence[Obj], context: Sequence[Obj] | None = None) -> list[str]:
    """Every image of these objects, operator-started ones included; deduplicated and sorted."""
    return sorted(set(image_slots(objs, context).values()))


def rendered_slots(renderer: Renderer, target_list: Sequence[Target]) -> dict[str, str]:
    everything = [o for t in target_list for o in render_target(renderer, t)]
    return image_slots(everything)


def images(renderer: Renderer, values_files: Sequence[Path] = (), charts: Sequence[Chart] | None = None) -> list[str]:
    """Every image of the install the values files describe (see the module docstring)."""
    return sorted(set(rendered_slots(renderer, targets(values_files, charts)).values()))


def repository(ref: str) -> str:
    """registry/path of a reference, without tag and digest."""
    r = Ref.parse(ref)
    return f"{r.registry}/{r.path}"


def collisions(upstream: Mapping[str, str], mirrored: Mapping[str, str]) -> list[str]:
    """Mirror repositories that two different upstream repositories land on, one line each.

    A flat mirror keeps only the last path element, so quay.io/metallb/controller and
    registry.k8s.io/ingress-nginx/controller would both become <mirror>/controller and
    one image would be pulled for the other.
    """
    sources: dict[str, set[str]] = {}
    for slot, image in mirrored.items():
        if slot in upstream:
            sources.setdefault(repository(image), set()).add(repository(upstream[slot]))
    return [f"{target} would serve {' and '.join(sorted(found))}; map each to its own name in "
            "global.imageRepositories" for target, found in sorted(sources.items()) if len(found) > 1]


def upstream_targets(values_files: Sequence[Path], charts: Sequence[Chart] | None = None) -> list[Target]:
    """The same install without the mirror overlays (files that set global.imageRegistry, which may
    also carry per-chart mirror settings such as Calico's registry/imagePath)."""
    plain = {"global": {"imageRegistry": "", "imageFlatten": False, "imageRepositories": {}}}
    return [
        Target(t.chart, tuple(f for f in t.values_files if not sets_image_registry(f)), {**t.values, **plain})
        for t in targets(values_files, charts)
    ]


def dry_plan(helm: Helm, values_files: Sequence[Path]) -> list[str]:
    """The helm template runs of `invoke images` (and, with mirror settings, of the upstream comparison)."""
    runs = [("", t) for t in targets(values_files)]
    if any(sets_image_registry(f) for f in values_files):
        runs += [("  # without the mirror settings, to pair and compare", t) for t in upstream_targets(values_files)]
    lines = []
    for note, t in runs:
        extra = Path(f"<{json.dumps(dict(t.values), sort_keys=True)}>") if t.values else None
        lines.append(shlex.join(Request(t.chart.path, dict(t.values), t.values_files).command(helm, extra)) + note)
    return lines + ["# then: images of pod templates and operator-started ones, clashes on one repository (in-process)"]


def checked_images(renderer: Renderer, values_files: Sequence[Path] = (),
                   charts: Sequence[Chart] | None = None) -> list[str]:
    """images(), failing when the mirror settings put two different images on one repository."""
    mirrored = rendered_slots(renderer, targets(values_files, charts))
    if any(sets_image_registry(f) for f in values_files):
        clashes = collisions(rendered_slots(renderer, upstream_targets(values_files, charts)), mirrored)
        if clashes:
            raise ImagesError("two images on one mirror repository:\n  " + "\n  ".join(clashes))
    return sorted(set(mirrored.values()))


# --- mirroring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    registry: str
    path: str
    tag: str
    digest: str

    @classmethod
    def parse(cls, ref: str) -> Ref:
        rest, _, digest = ref.partition("@")
        first, _, remainder = rest.partition("/")
        if remainder and (("." in first) or (":" in first) or first == "localhost"):
            registry, rest = first, remainder
        else:
            registry = "docker.io"
        tag = ""
        match = re.match(r"^(.*):([\w][\w.-]{0,127})$", rest)
        if match:
            rest, tag = match.group(1), match.group(2)
        return cls(registry, rest, tag, digest)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def destination(source: str, target: str, flatten: bool = False) -> str:
    """Where a mirror keeps an image: the target plus the repository path (only its last part when flat)."""
    ref = Ref.parse(source)
    path = ref.name if flatten else ref.path
    return f"{target.rstrip('/')}/{path}:{ref.tag or 'latest'}"


def pairs(upstream: Sequence[str], mirrored: Sequence[str]) -> list[tuple[str, str]]:
    """Match each upstream image to its rewritten reference (same name, tag and digest)."""
    by_key: dict[tuple[str, str, str], list[str]] = {}
    for m in mirrored:
        r = Ref.parse(m)
        by_key.setdefault((r.name, r.tag, r.digest), []).append(m)
    out = []
    for u in upstream:
        r = Ref.parse(u)
        candidates = [m for m in by_key.get((r.name, r.tag, r.digest), []) if m != u]
        if len(candidates) == 1:
            out.append((u, candidates[0]))
    return out


def copy_script(copies: Sequence[tuple[str, str]], unmirrored: Sequence[str] = ()) -> str:
    """A bash script of `skopeo copy` lines; digests are preserved so digest-pinned references still match."""
    lines = [
        "#!/usr/bin/env bash",
        "# Mirror the install's images into Harbor (generated by `invoke images --script`).",
        "# Log in first: skopeo login <harbor>  (a robot account with push permission on the project).",
        "set -euo pipefail",
        "",
    ]
    for src, dst in copies:
        dest = dst.split("@")[0]
        if ":" not in dest.rsplit("/", 1)[-1]:
            dest += ":" + (Ref.parse(src).tag or "latest")
        lines.append(f"skopeo copy --all --preserve-digests {shlex.quote('docker://' + src)} "
                     f"{shlex.quote('docker://' + dest)}")
    if unmirrored:
        lines += ["", "# Not rewritten by these values (pulled from their own registry):"]
        lines += [f"#   {u}" for u in unmirrored]
    return "\n".join(lines) + "\n"


def sets_image_registry(values_file: Path) -> bool:
    data = yaml.safe_load(values_file.read_text()) or {}
    return bool(isinstance(data, dict) and (data.get("global") or {}).get("imageRegistry"))


def mirror_plan(renderer: Renderer, values_files: Sequence[Path], target: str | None = None,
                flatten: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """(source, destination) copies and the images left unmirrored.

    With a target, every upstream image goes to target/<path>. Without one, the
    destinations are the rewritten references of the values files themselves
    (e.g. values/lab.yaml + values/cn-mirror.yaml), matched to the upstream
    images rendered without the mirror settings.
    """
    if target:
        rewritten = images(renderer, values_files)
        copies = [(i, destination(i, target, flatten)) for i in rewritten]
        clashes = collisions({s: s for s, _ in copies}, {s: d for s, d in copies})
        if clashes:
            raise ImagesError("--flatten puts two images on one repository:\n  " + "\n  ".join(clashes))
        return copies, []
    mirrored = rendered_slots(renderer, targets(values_files))
    upstream = rendered_slots(renderer, upstream_targets(values_files))
    clashes = collisions(upstream, mirrored)
    if clashes:
        raise ImagesError("two images on one mirror repository:\n  " + "\n  ".join(clashes))
    copies = sorted({(upstream[slot], image) for slot, image in mirrored.items()
                     if slot in upstream and upstream[slot] != image})
    copied = {src for src, _ in copies}
    unmirrored = sorted({u for u in upstream.values() if u not in copied})
    if not copies:
        raise ImagesError("these values rewrite no image; add a mirror overlay (e.g. values/cn-mirror.yaml) "
                          "or pass --target harbor.feng.org/mirror")
    return copies, unmirrored
