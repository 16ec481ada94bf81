"""Schema fuzzing: values each chart's schema accepts either fail the render with a message
naming a key, or render objects that pass strict Kubernetes 1.33 (and CRD) validation and
the policy.

Hypothesis draws, on top of a chart's ci scenario, new values for a few typed leaves of its
schema (booleans, bounded integers, enums, pattern strings: hypothesis-jsonschema generates
each from the leaf's own schema) and whole lists of objects (pools, peers, node sets,
StorageClasses...): for those hypothesis-jsonschema 0.23 breaks on current hypothesis
(`'many' object has no attribute 'more'`), so `strategy()` below follows the schema itself.
Strings are ASCII (values files are UTF-8 YAML; astral characters only test the JSON encoder).
Open pass-through objects (affinity, securityContext, tolerations) are left empty: the
Kubernetes schemas judge those. Renders go straight to helm
(not through the session cache), so the example count is small and fixed, and derandomized
so CI sees the same values every run.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from chartops.charts import Scenario, applications, scenarios
from chartops.render import Request, parse, run
from chartops.validate import CRDCatalog, UnknownKind, errors
from tests.helpers import CHARTS, RenderError, render, renderer
from tests.policy import all_violations, unexcused
from tests.test_hostile import BASE
from tests.test_policy import _exceptions_for, _excused_kind, _namespaced

FUZZED = sorted(BASE)
EXAMPLES = 5
KEY_IN_MESSAGE = re.compile(r"at '/[^']*'|^\s*[a-z0-9-]+: [A-Za-z0-9_.\[\]/-]+ ", re.M)


def _leaves(node: dict[str, Any], root: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """(path, schema) of scalar leaves reachable through objects only, with a finite or patterned domain."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        node = root.get("definitions", {}).get(ref.split("/")[-1], {})
    found: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if path and "object" not in types and "array" not in types:
        if "boolean" in types or "enum" in node or "pattern" in node or (
                "integer" in types and ("maximum" in node or "minimum" in node)):
            leaf = {k: v for k, v in node.items() if k != "description"}
            found.append((path, leaf))
    for key, child in (node.get("properties") or {}).items():
        if key not in ("global", "common"):
            found += _leaves(child, root, path + (key,))
    return found


def _lists(node: dict[str, Any], root: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """(path, schema) of lists of objects reachable through objects."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        node = root.get("definitions", {}).get(ref.split("/")[-1], {})
    found: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    items = node.get("items")
    if isinstance(items, dict) and (_deref(items, root).get("properties")):
        found.append((path, node))
    for key, child in (node.get("properties") or {}).items():
        if key not in ("global", "common"):
            found += _lists(child, root, path + (key,))
    return found


def _deref(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return dict(root.get("definitions", {}).get(ref.split("/")[-1], {})) if isinstance(ref, str) else node


def strategy(node: dict[str, Any], root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values a (small, draft-07) schema accepts: objects, arrays, enums, patterns, bounded numbers."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        node = root.get("definitions", {}).get(ref.split("/")[-1], {})
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    for comb in ("anyOf", "oneOf"):
        if node.get(comb):
            return st.one_of([strategy(dict({k: v for k, v in node.items() if k != comb}, **sub), root, depth)
                              for sub in node[comb]])
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    options = []
    for t in types:
        if t == "boolean":
            options.append(st.booleans())
        elif t == "integer":
            lo = int(node.get("minimum", 0))
            options.append(st.integers(lo, int(node.get("maximum", lo + 1000))))
        elif t == "number":
            options.append(st.integers(int(node.get("minimum", 0)), int(node.get("maximum", 1000))))
        elif t == "string":
            if "pattern" in node:
                s = st.from_regex(node["pattern"], fullmatch=True, alphabet=st.characters(min_codepoint=32, max_codepoint=126))
            else:
                s = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
            lo, hi = node.get("minLength", 0), node.get("maxLength", 60)
            options.append(s.filter(lambda x, lo=lo, hi=hi: lo <= len(x) <= hi))
        elif t == "array":
            items = node.get("items") if isinstance(node.get("items"), dict) else {"type": "string"}
            if depth > 3:
                options.append(st.just([]))
            else:
                options.append(st.lists(strategy(items, root, depth + 1), min_size=int(node.get("minItems", 0)),
                                        max_size=min(int(node.get("maxItems", 2)), 2)))
        elif t == "object":
            props = node.get("properties") or {}
            required = [k for k in node.get("required") or [] if k in props]
            optional = [k for k in props if k not in required]
            if depth > 3 or (not props and node.get("additionalProperties") is not False):
                options.append(st.just({}))
                continue
            @st.composite
            def obj(d: st.DrawFn, props=props, required=required, optional=optional) -> dict[str, Any]:
                keys = required + d(st.lists(st.sampled_from(optional), unique=True, max_size=4)) if optional else required
                return {k: d(strategy(props[k], root, depth + 1)) for k in keys}
            options.append(obj())
    return st.one_of(options) if options else st.nothing()


def _schema(chart: str) -> dict[str, Any]:
    return dict(json.loads((CHARTS / chart / "values.schema.json").read_text()))


def _bounded(leaf: dict[str, Any]) -> dict[str, Any]:
    """Keep drawn integers near real sizes (a million replicas only tests the host's memory)."""
    out = dict(leaf)
    types = out.get("type") if isinstance(out.get("type"), list) else [out.get("type")]
    if "integer" in types:
        out["maximum"] = min(out.get("maximum", 100000), max(out.get("minimum", 0), 0) + 100000)
    if "string" in types and "pattern" in out:
        out.setdefault("maxLength", 64)
    return out


def _values(chart: str) -> st.SearchStrategy[dict[str, Any]]:
    root = _schema(chart)
    leaves = _leaves(root, root)
    lists = _lists(root, root)

    @st.composite
    def draw(d: st.DrawFn) -> dict[str, Any]:
        chosen = d(st.lists(st.sampled_from(leaves), min_size=1, max_size=3, unique_by=lambda x: x[0]))
        values: dict[str, Any] = {}
        for path, leaf in chosen:
            _put(values, path, d(from_schema(_bounded(leaf))))
        if lists and d(st.booleans()):
            path, schema = d(st.sampled_from(lists))
            _put(values, path, d(strategy(dict(schema, minItems=1), root)))
        return values

    return draw()


def _put(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = values
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


_CATALOG: list[CRDCatalog] = []


def catalog() -> CRDCatalog:
    if not _CATALOG:
        cat = CRDCatalog()
        for scn in scenarios():
            try:
                cat.extend(render(scn.chart, values_files=scn.values_files))
            except RenderError:
                pass
        for chart in applications():
            for f in sorted((chart.path / "crds").glob("*.y*ml")):
                cat.extend(d for d in yaml.safe_load_all(f.read_text()) if isinstance(d, dict))
        _CATALOG.append(cat)
    return _CATALOG[0]


def _render_uncached(chart: str, values: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str]:
    req = Request(CHARTS / chart, values, (CHARTS.parent / BASE[chart],))
    with tempfile.TemporaryDirectory() as tmp:
        proc = run(req, renderer().helm, Path(tmp))
    if proc.returncode != 0:
        return None, proc.stderr
    return parse(proc.stdout), ""


def _user_containers(values: Any, key: str = "") -> set[str]:
    """Names of the containers the values add: items of any list under a key ending in `ontainers`."""
    if isinstance(values, dict):
        return set().union(*(_user_containers(v, str(k)) for k, v in values.items()))
    if isinstance(values, list):
        if key.endswith("ontainers"):
            return {str(c["name"]) for c in values if isinstance(c, dict) and "name" in c}
        return set().union(*(_user_containers(v) for v in values))
    return set()


def check(chart: str, values: dict[str, Any]) -> None:
    objs, stderr = _render_uncached(chart, values)
    if objs is None:
        assert KEY_IN_MESSAGE.search(stderr), f"{chart} failed without naming a key for {values}:\n{stderr}"
        return
    problems: list[str] = []
    for obj in objs:
        try:
            problems += errors(obj, catalog())
        except UnknownKind as err:
            if not _excused_kind(chart, str(obj.get("kind"))):  # e.g. cert-manager's kinds, reviewed
                problems.append(str(err))
    assert not problems, f"{chart} with {values} rendered invalid objects:\n" + "\n".join(problems)
    # containers the values add (extraContainers, initContainers...) are the user's: their resources, image
    # pinning and probes are what the user wrote, which the chart passes on as given
    theirs = _user_containers(values)
    left = [v for v in unexcused(all_violations(objs, _namespaced(catalog())), _exceptions_for(chart))
            if v.container not in theirs]
    assert not left, f"{chart} with {values} broke the policy:\n" + "\n".join(map(str, left))


@pytest.mark.parametrize("chart", FUZZED)
def test_schema_valid_values_render_valid_objects_or_fail_naming_a_key(chart: str) -> None:
    # no shrinking: each step is a helm render, and the unshrunk example already names the values
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(values=_values(chart))
    def fuzz(values: dict[str, Any]) -> None:
        check(chart, values)

    fuzz()


def test_fuzzed_charts_have_leaves_to_draw() -> None:
    for chart in FUZZED:
        root = _schema(chart)
        assert len(_leaves(root, root)) > 10, chart


def test_the_oracle_catches_an_invalid_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a render Kubernetes would refuse, or a message naming no key, is caught."""
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": "default"},
           "spec": {"ports": [{"port": "eighty"}], "bogusField": 1}}
    monkeypatch.setattr(__name__ + "._render_uncached", lambda chart, values: ([bad], ""))
    with pytest.raises(AssertionError, match="rendered invalid objects"):
        check("mysql", {})
    monkeypatch.setattr(__name__ + "._render_uncached", lambda chart, values: (None, "Error: something broke"))
    with pytest.raises(AssertionError, match="without naming a key"):
        check("mysql", {})


def test_scenarios_of_fuzzed_charts_exist() -> None:
    assert all(Scenario(c, (BASE[c],)) in scenarios() for c in FUZZED)


def test_a_container_the_values_add_is_the_users_but_the_charts_own_are_still_checked() -> None:
    """CI's failing example: extraInitContainers without resources or a pinned tag are the user's to set;
    the chart's own containers keep every policy check."""
    values = {"controller": {"extraInitContainers": [{"name": "3", "image": "EZ"}],
                             "extraContainers": [{"name": "side", "image": "x:1"}], "resources": {}}}
    check("ingress-nginx", values)
    assert _user_containers(values) == {"3", "side"}
