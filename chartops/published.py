"""Checking that what a registry serves renders exactly like the repository.

For each application chart, `helm template` of oci://…/<chart> at the local
version is compared with `helm template` of charts/<chart>, with the same
values on both sides: the chart's first ci/*-values.yaml when it has one
(charts such as nfs-subdir-provisioner need values to render), else its
defaults. Values a chart generates at random (passwords) differ between any two
renders; those fields are found by rendering the local chart twice and are left
out of the comparison. Library charts render nothing and are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartops import cosign
from chartops.charts import Chart
from chartops.commands import Command, helm_message
from chartops.helm import Helm
from chartops.registry import DEFAULT_RETRY, Credentials, Registry, Retry, classify, explain, held
from chartops.render import KUBE_VERSION

Flat = dict[str, Any]
REGISTRY_WIDE = ("auth", "forbidden", "tls", "plain-http", "https-only")
RELEASE, NAMESPACE = "verify", "default"
SEP = " :: "  # between an object (kind/namespace/name) and a field path; names may hold dots


@dataclass(frozen=True)
class Verdict:
    chart: str
    version: str
    ok: bool
    detail: str


def values_for(chart: Chart) -> list[Path]:
    return chart.scenarios[:1]


def template_command(helm: Helm, source: str, values: Sequence[Path], extra: Sequence[str] = ()) -> Command:
    argv = [str(helm.path), "template", RELEASE, source, "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    for f in values:
        argv += ["--values", str(f)]
    return Command.of(argv + list(extra))


def flatten(docs: Sequence[Any]) -> Flat:
    """Every leaf of every object under kind/namespace/name/path, so differences can be named."""
    out: Flat = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict) and node:
            for k, v in node.items():
                walk(f"{prefix}{'' if prefix.endswith(SEP) else '.'}{k}", v)
        elif isinstance(node, list) and node:
            for i, v in enumerate(node):
                walk(f"{prefix}[{i}]", v)
        else:
            out[prefix] = node

    for doc in docs:
        if not isinstance(doc, dict):
            continue
        meta = doc.get("metadata") or {}
        walk(f"{doc.get('kind')}/{meta.get('namespace', '')}/{meta.get('name')}{SEP}", doc)
    return out


def differences(local: Flat, remote: Flat, volatile: set[str]) -> list[str]:
    """Objects on one side only, then changed fields of the objects both sides render."""

    def objects(flat: Flat) -> set[str]:
        return {k.split(SEP, 1)[0] for k in flat}

    mine, theirs = objects(local), objects(remote)
    out = [f"{o}: only in charts/" for o in sorted(mine - theirs)]
    out += [f"{o}: only in the published chart" for o in sorted(theirs - mine)]
    gone = (mine ^ theirs)
    keys = sorted((set(local) | set(remote)) - volatile)
    out += [
        f"{k}: local {local.get(k, '<absent>')!r} != published {remote.get(k, '<absent>')!r}"
        for k in keys
        if local.get(k, "<absent>") != remote.get(k, "<absent>") and k.split(SEP, 1)[0] not in gone
    ]
    return out


def render(cmd: Command) -> tuple[bool, Flat, str]:
    result = cmd.run()
    if result.returncode != 0:
        return False, {}, result.stderr
    return True, flatten(list(yaml.safe_load_all(result.stdout))), ""


def verify_chart(helm: Helm, registry: Registry, chart: Chart, retry: Retry = DEFAULT_RETRY) -> Verdict:
    values = values_for(chart)
    local_cmd = template_command(helm, str(chart.path), values)
    ok, local, err = render(local_cmd)
    if not ok:
        return Verdict(chart.name, chart.version, False,
                       f"the local chart does not render ({', '.join(map(str, values)) or 'defaults'}): "
                       f"{helm_message(err)}")
    _, again, _ = render(local_cmd)
    volatile = {k for k in set(local) | set(again) if local.get(k) != again.get(k)}
    remote_cmd = template_command(helm, registry.ref(chart.name), values,
                                  ["--version", chart.version] + registry.flags())

    def fetch() -> tuple[bool, Flat, str]:
        ok, flat, stderr = render(remote_cmd)
        if not ok and classify(stderr) == "transient":
            raise explain("transient", registry, f"rendering {chart.name}", stderr)
        return ok, flat, stderr

    ok, remote, err = retry.run(fetch)
    if not ok:
        kind = classify(err)
        if kind == "not-found":
            return Verdict(chart.name, chart.version, False,
                           f"{registry.ref(chart.name)}:{chart.version} is not published: run `invoke push`")
        if kind in REGISTRY_WIDE:  # every other chart would fail the same way: stop here
            raise explain(kind, registry, f"rendering {chart.name}", err)
        return Verdict(chart.name, chart.version, False, str(explain(kind, registry, f"rendering {chart.name}", err)))
    diff = differences(local, remote, volatile)
    if diff:
        shown = "\n  ".join(diff[:10]) + (f"\n  … and {len(diff) - 10} more" if len(diff) > 10 else "")
        return Verdict(chart.name, chart.version, False,
                       f"published {chart.version} renders differently from charts/{chart.name} "
                       f"(bump the version and push, or push the chart that was released):\n  {shown}")
    return Verdict(chart.name, chart.version, True, f"{len(local)} fields identical")


def verify_published(helm: Helm, registry: Registry, charts: Sequence[Chart],
                     retry: Retry = DEFAULT_RETRY) -> list[Verdict]:
    return [verify_chart(helm, registry, c, retry) for c in charts if not c.is_library]


def signature_verdicts(helm: Helm, registry: Registry, charts: Sequence[Chart], public: Path,
                       creds: Credentials | None, retry: Retry = DEFAULT_RETRY,
                       cosign_binary: Path | None = None) -> list[Verdict]:
    """Each published chart (libraries too: they are pushed and signed like the others) must carry a cosign
    signature that the public key verifies, on the manifest digest the registry serves for its version."""
    binary = cosign_binary or cosign.binary()
    out = []
    with cosign.docker_config(registry, creds) as config:
        for chart in charts:
            found = held(helm, registry, chart.name, chart.version, retry)
            if found is None:
                out.append(Verdict(chart.name, chart.version, False,
                                   f"{registry.ref(chart.name)}:{chart.version} is not published: run `invoke push`"))
                continue
            try:
                summary = cosign.verify(binary, public, registry, chart.name, found.manifest, config)
            except cosign.CosignError as err:
                out.append(Verdict(chart.name, chart.version, False, str(err)))
                continue
            out.append(Verdict(chart.name, chart.version, True, f"{found.manifest} {summary}"))
    return out
