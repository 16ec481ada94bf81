"""The real API server as the oracle of the hostile-input tests.

Every case of tests/oracle_cases.py that the chart renders (fuzz examples, bad-input tables,
generated probes and injections, edge release names) goes through a real kube-apiserver v1.33
with the charts' CRDs installed: `kubectl apply --server-side --dry-run=server --validate=strict`.
A render the chart accepted and the API server refuses (or warns about) fails here and names
the case: the chart is missing a check, and the user would have met the server's message
half-way through an install instead of the chart's.

Objects are sent in one kubectl call per chart, each distinct object once; only when the server
refuses something are the suspects sent one by one, to name the cases that made them. The counts
per chart (renders accepted, refused, and cases the chart itself refused) are written to
.tools/reports/validators.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from chartops.charts import scenarios
from tests.cluster_helpers import Kube
from tests.helpers import ROOT, render
from tests.oracle_cases import Case, all_cases, by_chart, rendered
from tests.schema_paths import BASE

pytestmark = [pytest.mark.cluster]

REPORT = ROOT / ".tools" / "reports" / "validators.json"


@cache
def cases() -> dict[str, list[Case]]:
    """Built when the tier runs, not when pytest collects (the fuzz examples take seconds to draw)."""
    return by_chart(all_cases())


@pytest.fixture(scope="module")
def api(fresh: Kube) -> Kube:
    """A plane of its own with every CRD the charts ship (and cert-manager's API), established."""
    crds: dict[str, dict[str, Any]] = {}
    for scn in scenarios():
        for obj in render(scn.chart, values_files=scn.values_files):
            if obj["kind"] == "CustomResourceDefinition":
                crds[obj["metadata"]["name"]] = obj
    fresh.kubectl("apply", "--server-side", "-f", str(ROOT / "tests/fixtures/cert-manager-api.yaml"))
    # the Prometheus Operator's own CRDs (its Go module's), for every monitoring object the charts render
    from chartops.testbed.controllers import monitoring

    for crd in monitoring.crds(kinds=("servicemonitors", "podmonitors", "prometheusrules")):
        crds[crd["metadata"]["name"]] = crd
    fresh.apply(crds.values(), "chartops-test", "--force-conflicts")
    names = [*sorted(crds), "certificates.cert-manager.io", "issuers.cert-manager.io"]
    fresh.kubectl("wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{n}" for n in names))
    return fresh


def dry_run(kube: Kube, objs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": objs})
    return kube.kubectl("apply", "--server-side", "--dry-run=server", "--validate=strict", "--force-conflicts",
                        "--field-manager", "helm", "-f", "-", input=body, check=False)


def problem(proc: subprocess.CompletedProcess[str]) -> str:
    """What the server said against the objects: errors, and warnings (it accepted, but not as written)."""
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("Warning")]
    if proc.returncode != 0:
        return proc.stderr.strip()
    return "\n".join(warnings)


def _ident(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('namespace') or '-'}/{meta.get('name')}"


def refused(kube: Kube, objs: list[dict[str, Any]]) -> dict[int, str]:
    """index -> the server's message, for each object it refuses or warns about."""
    said = problem(dry_run(kube, objs))
    if not said:
        return {}
    names = {i: str((o.get("metadata") or {}).get("name")) for i, o in enumerate(objs)}
    suspects = [i for i, name in names.items() if re.search(rf"\b{re.escape(name)}\b", said)] or list(names)
    out: dict[int, str] = {}
    for i in suspects:
        alone = problem(dry_run(kube, [objs[i]]))
        if alone:
            out[i] = alone
    if not out:  # the batch failed as a whole (e.g. two objects disagree): report it as such
        out[-1] = said
    return out


def ensure_namespaces(kube: Kube, objs: list[dict[str, Any]]) -> None:
    wanted = sorted({(o.get("metadata") or {}).get("namespace") for o in objs} - {None, "", "default"})
    missing = [ns for ns in wanted if not kube.exists("namespace", ns)]
    if missing:
        kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in missing])


def _record(chart: str, counts: dict[str, int]) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[chart] = counts
    REPORT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


@pytest.mark.parametrize("chart", sorted(BASE))
def test_the_api_server_accepts_every_hostile_case_the_chart_renders(api: Kube, chart: str) -> None:
    objects: dict[str, dict[str, Any]] = {}
    made_by: dict[str, list[str]] = {}
    rendering: list[Case] = []
    mine = cases()[chart]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        renders = list(pool.map(rendered, mine))
    for case, objs in zip(mine, renders, strict=True):
        if objs is None:
            continue
        rendering.append(case)
        for obj in objs:
            body = json.dumps(obj, sort_keys=True)
            objects.setdefault(body, obj)
            made_by.setdefault(body, []).append(case.id)
    bodies = list(objects)
    ensure_namespaces(api, list(objects.values()))
    verdicts = refused(api, [objects[b] for b in bodies])
    bad_cases = sorted({c for i in verdicts if i >= 0 for c in made_by[bodies[i]]})
    counts = {"cases": len(mine), "refused_by_the_chart": len(mine) - len(rendering),
              "rendered": len(rendering), "accepted_by_the_api_server": len(rendering) - len(bad_cases),
              "refused_by_the_api_server": len(bad_cases), "distinct_objects": len(bodies)}
    _record(chart, counts)
    found = [f"{_ident(objects[bodies[i]])} from {', '.join(made_by[bodies[i]][:5])}:\n  {msg[:800]}"
             if i >= 0 else f"the batch as a whole:\n  {msg[:800]}" for i, msg in sorted(verdicts.items())]
    assert found == [], f"{chart}: the API server refuses renders the chart accepted ({counts}):\n" + "\n".join(found)


def test_every_source_of_cases_contributes() -> None:
    """The oracle sees each kind of case: a source that yields nothing would pass unnoticed."""
    kinds = {case.id.split(":", 1)[0] for chart_cases in cases().values() for case in chart_cases}
    assert {"fuzz", "hostile", "boundary", "table", "probes", "injection", "release"} <= kinds, kinds
    assert set(cases()) == set(BASE)


def test_the_oracle_names_what_the_server_refuses(api: Kube) -> None:
    """The check can fail: an object the server refuses is singled out of a batch of good ones."""
    good = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fine", "namespace": "default"}}
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad", "namespace": "default"},
           "dta": {"x": "y"}}
    labels = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "badlabel", "namespace": "default", "labels": {"a": "x" * 64}}}
    verdicts = refused(api, [good, bad, labels])
    assert set(verdicts) == {1, 2}, verdicts
    assert 'unknown field "dta"' in verdicts[1] and "must be no more than 63" in verdicts[2]


def test_report_lands_beside_the_tools() -> None:
    assert Path(REPORT).is_relative_to(ROOT / ".tools")
