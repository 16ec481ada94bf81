"""checkov over every scenario of every chart, held to the upstream charts' counts.

All scenario renders (cached by tests.helpers) are written under one directory, one
sub-directory per chart, and scanned by ONE checkov process (it is slow to start); the report
is cached by the render cache keys of the scenarios (chart files, values, helm inputs: the renders
themselves differ each time by their generated passwords and certificates), so an unchanged suite
never runs checkov twice.
The count of a chart is the number of distinct failed check ids over all its scenarios, after
the waivers of tests/checkov_skips.yaml (every waiver states a reason).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from filelock import FileLock

from chartops import checkov
from chartops.charts import applications, discover, scenarios
from chartops.render import cache_key
from tests.helpers import ROOT, RenderError, _request, render

SKIPS = Path(__file__).with_name("checkov_skips.yaml")

# failed checks of the upstream chart each one replaces (checkov 3.3.30 on its default render)
ANCHORS = {"metallb": 24, "ingress-nginx": 24, "nfs-subdir-provisioner": 21, "calico": 41, "coredns": 9,
           "eck-operator": 9, "mysql": 6, "wordpress": 3}
# a chart with no upstream counterpart is held to the strictest anchor; the umbrella to its largest component's
DEFAULT_ANCHOR = min(ANCHORS.values())
CHARTS = [c.name for c in applications()]


def anchor(chart: str) -> int:
    if chart in ANCHORS:
        return ANCHORS[chart]
    deps = [d for c in discover() if c.name == chart for d in c.dependencies if d in ANCHORS]
    return max((ANCHORS[d] for d in deps), default=DEFAULT_ANCHOR)


def load_skips(path: Path = SKIPS) -> dict[str, dict[str, str]]:
    """{"global" | chart: {check id: reason}}."""
    data = yaml.safe_load(path.read_text()) or {}
    out: dict[str, dict[str, str]] = {"global": dict(data.get("global") or {})}
    for chart, entries in (data.get("charts") or {}).items():
        out[chart] = dict(entries or {})
    return out


def _embedded(chart: str) -> set[str]:
    """A chart and every chart it embeds: a subchart's waivers hold wherever it is rendered."""
    deps = {c.name: c.dependencies for c in discover()}
    found, todo = set(), [chart]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += deps.get(name, [])
    return found


def waived(chart: str, skips: dict[str, dict[str, str]]) -> set[str]:
    ids = set(skips["global"])
    for name in _embedded(chart):
        ids |= set(skips.get(name, {}))
    return ids


def _key() -> str:
    """Everything that makes the scenario renders, and the checkov version."""
    digest = hashlib.sha256(checkov.VERSION.encode())
    for scn in scenarios():
        digest.update(cache_key(_request(scn.chart, None, scn.values_files, "test", "default")).encode())
    return digest.hexdigest()[:32]


def _write_renders(directory: Path) -> None:
    """Every scenario render as <chart>/<scenario>.yaml."""
    for scn in scenarios():
        try:
            objs = render(scn.chart, values_files=scn.values_files)
        except RenderError:
            continue  # reported by test_policy.test_scenario_renders
        name = scn.id.split(":", 1)[1].replace("+", "_")
        path = directory / scn.chart / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(objs, sort_keys=True))


@pytest.fixture(scope="session")
def failed() -> dict[str, dict[str, list[str]]]:
    """{chart: {check id: [where it failed]}}, from one cached checkov run over all renders."""
    cache = Path(os.environ.get("CHARTOPS_CHECKOV_CACHE", ROOT / ".tools" / "checkov-cache"))
    cache.mkdir(parents=True, exist_ok=True)
    entry = cache / f"{_key()}.json"
    with FileLock(str(entry) + ".lock"):  # xdist workers wait for one scan
        if not entry.exists():
            with tempfile.TemporaryDirectory(prefix="checkov-renders-") as tmp:
                _write_renders(Path(tmp))
                found = [f.__dict__ for f in checkov.scan(Path(tmp), ROOT)]
            entry.write_text(json.dumps(found))
        raw: list[dict[str, Any]] = json.loads(entry.read_text())
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for f in raw:
        chart = f["file"].split("/", 1)[0]
        out[chart][f["check_id"]].append(f"{f['resource']} ({f['file']}): {f['name']}")
    return out


@pytest.mark.parametrize("chart", CHARTS)
def test_checkov_failures_stay_at_or_below_the_upstream_anchor(
    chart: str, failed: dict[str, dict[str, list[str]]]
) -> None:
    left = {cid: where for cid, where in failed.get(chart, {}).items() if cid not in waived(chart, load_skips())}
    detail = "\n".join(f"{cid}: {where[0]} (+{len(where) - 1} more)" for cid, where in sorted(left.items()))
    assert len(left) <= anchor(chart), f"{chart}: {len(left)} failed checkov checks, anchor {anchor(chart)}:\n{detail}"


def test_every_waiver_states_a_reason() -> None:
    empty = [f"{scope}: {cid}" for scope, entries in load_skips().items() for cid, reason in entries.items()
             if len(str(reason or "").strip()) < 30]
    assert not empty, f"waivers without a real reason: {empty}"


def test_reasonless_waiver_is_refused(tmp_path: Path) -> None:
    """The reason check above can fail: a waiver with an empty reason is caught."""
    bad = tmp_path / "skips.yaml"
    bad.write_text("global:\n  CKV_K8S_21:\ncharts:\n  mysql:\n    CKV_K8S_38: ''\n")
    skips = load_skips(bad)
    assert [cid for entries in skips.values() for cid, r in entries.items() if not str(r or "").strip()] == [
        "CKV_K8S_21", "CKV_K8S_38"]


def test_waivers_name_known_charts() -> None:
    assert set(load_skips()) - {"global"} <= set(CHARTS)


def test_every_waiver_still_excuses_something(failed: dict[str, dict[str, list[str]]]) -> None:
    skips = load_skips()
    stale = [f"global: {cid}" for cid in skips["global"] if not any(cid in ids for ids in failed.values())]
    for chart, entries in skips.items():
        if chart == "global":
            continue
        users = [c for c in CHARTS if chart in _embedded(c)]
        stale += [f"{chart}: {cid}" for cid in entries if not any(cid in failed.get(u, {}) for u in users)]
    assert not stale, f"waivers that excuse nothing (remove them): {stale}"


def test_every_chart_was_scanned(failed: dict[str, dict[str, list[str]]]) -> None:
    """A render checkov could not parse would count as zero failures: every chart must show up."""
    # CKV_K8S_21 (default namespace) fails on every chart's test renders, so each chart appears
    assert set(CHARTS) <= set(failed), f"charts missing from the checkov report: {set(CHARTS) - set(failed)}"
