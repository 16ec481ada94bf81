"""Checks every chart gets for free: each ci/ scenario and each values/ overlay
renders, passes strict Kubernetes 1.33 validation (custom resources against
the CRDs the charts ship), and meets the policy in tests/policy.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.charts import Scenario, applications, discover, scenarios
from chartops.validate import CRDCatalog, UnknownKind, builtin_is_namespaced, errors
from tests.helpers import RenderError, render
from tests.policy import Violation, all_violations, load_allowlist, unexcused

SCENARIOS = scenarios()
ALLOWLIST = load_allowlist()


def _with_dependencies(chart: str) -> set[str]:
    """A chart and every chart it embeds: a subchart's exceptions hold wherever it is rendered."""
    deps = {c.name: c.dependencies for c in discover()}
    found, todo = set(), [chart]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += deps.get(name, [])
    return found


def _exceptions_for(chart: str) -> list[Any]:
    charts = _with_dependencies(chart)
    return [e for e in ALLOWLIST if e.chart in charts]


def _render(scn: Scenario) -> list[dict[str, Any]]:
    return render(scn.chart, values_files=scn.values_files)


@pytest.fixture(scope="session")
def catalog() -> CRDCatalog:
    """CRDs the charts ship: in a crds/ directory, or rendered from templates/crds (one scenario
    of each such chart is enough, the CRDs don't vary); each scenario adds the CRDs it renders."""
    cat = CRDCatalog()
    for chart in applications():
        for f in sorted((chart.path / "crds").glob("*.y*ml")):
            cat.extend(d for d in yaml.safe_load_all(f.read_text()) if isinstance(d, dict))
        if not (chart.path / "templates" / "crds").is_dir():
            continue
        for scn in (s for s in SCENARIOS if s.chart == chart.name):
            try:
                objs = _render(scn)
            except RenderError:
                continue  # reported by test_scenario_renders
            if any(o.get("kind") == "CustomResourceDefinition" for o in objs):
                cat.extend(objs)
                break
    return cat


def _with_own_crds(scn: Scenario, catalog: CRDCatalog) -> CRDCatalog:
    cat = CRDCatalog(dict(catalog.schemas), dict(catalog.namespaced), {k: set(v) for k, v in catalog.served.items()})
    cat.extend(_render(scn))
    return cat


def _namespaced(catalog: CRDCatalog):  # type: ignore[no-untyped-def]
    def check(api_version: str, kind: str) -> bool | None:
        builtin = builtin_is_namespaced(api_version, kind)
        return builtin if builtin is not None else catalog.namespaced.get((api_version, kind))
    return check


def _excused_kind(chart: str, kind: str) -> bool:
    return any(e.kind == kind and e.check == "schema" for e in _exceptions_for(chart))


def scenario_violations(scn: Scenario, catalog: CRDCatalog) -> list[Violation]:
    return all_violations(_render(scn), _namespaced(_with_own_crds(scn, catalog)))


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_scenario_renders(scn: Scenario) -> None:
    """Renders objects the API server can tell apart: two with one identity, the second overwrites the first."""
    objs = _render(scn)
    assert objs, f"{scn.id} rendered no objects"
    seen: dict[tuple[str, str, str, str], int] = {}
    for o in objs:
        meta = o.get("metadata") or {}
        assert o.get("apiVersion") and o.get("kind") and meta.get("name"), f"{scn.id}: object without identity: {o}"
        group = str(o["apiVersion"]).rpartition("/")[0]
        ident = (group, str(o["kind"]), str(meta.get("namespace", "")), str(meta["name"]))
        seen[ident] = seen.get(ident, 0) + 1
    assert [i for i, n in seen.items() if n > 1] == [], f"{scn.id} renders objects twice"


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_objects_pass_strict_validation(scn: Scenario, catalog: CRDCatalog) -> None:
    problems: list[str] = []
    own = _with_own_crds(scn, catalog)
    for obj in _render(scn):
        try:
            problems += errors(obj, own)
        except UnknownKind as err:
            if not _excused_kind(scn.chart, str(obj.get("kind"))):
                problems.append(str(err))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_objects_meet_policy(scn: Scenario, catalog: CRDCatalog) -> None:
    left = unexcused(scenario_violations(scn, catalog), _exceptions_for(scn.chart))
    assert not left, "policy violations (fix them, or allowlist with a reason):\n" + "\n".join(map(str, left))


def test_every_allowlist_entry_is_still_needed(catalog: CRDCatalog) -> None:
    """An exception that excuses nothing, in its chart or in a chart embedding it, is stale: remove it."""
    used: set[int] = set()
    for scn in SCENARIOS:
        try:
            objs = _render(scn)
        except RenderError:
            continue  # reported by test_scenario_renders
        kinds = {str(o.get("kind")) for o in objs}
        violations = scenario_violations(scn, catalog)
        for e in _exceptions_for(scn.chart):
            if (e.check == "schema" and e.kind in kinds) or any(e.covers(v) for v in violations):
                used.add(id(e))
    stale = [e for e in ALLOWLIST if id(e) not in used]
    assert not stale, "allowlist entries that excuse nothing:\n" + "\n".join(map(str, stale))


def test_every_chart_has_a_scenario() -> None:
    charts = {c.name for c in applications()}
    assert charts <= {s.chart for s in SCENARIOS}


CHECKS = {
    "resources", "liveness-probe", "readiness-probe", "no-privilege-escalation", "drop-all", "run-as-non-root",
    "seccomp", "read-only-root-fs", "pinned-image", "rbac-wildcard", "service-selects-pods", "namespace",
    "host-namespaces", "privileged", "added-capabilities", "schema",
}


def test_allowlist_entries_name_real_charts_and_checks() -> None:
    """An entry for a chart or check that doesn't exist excuses nothing and hides a typo."""
    charts = {c.name for c in discover()}
    bad = [str(e) for e in ALLOWLIST if e.chart not in charts or e.check not in CHECKS or len(e.reason) <= 20]
    assert ALLOWLIST and bad == []


@pytest.mark.parametrize("entry, problem", [
    ({"chart": "mysql", "kind": "StatefulSet", "name": "*", "check": "seccomp"}, "lacks \\['reason'\\]"),
    ({"chart": "mysql", "kind": "StatefulSet", "name": "*", "check": "seccomp", "reason": " "}, "empty reason"),
])
def test_a_malformed_allowlist_entry_is_refused(tmp_path: Path, entry: dict[str, str], problem: str) -> None:
    path = tmp_path / "allowlist.yaml"
    path.write_text(yaml.safe_dump([entry]))
    with pytest.raises(ValueError, match=problem):
        load_allowlist(path)
