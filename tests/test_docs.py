"""READMEs and chart metadata are complete and current."""

from __future__ import annotations

import pytest
import yaml

from chartops.charts import Chart, applications, discover
from chartops.docs import parse, splice, stale, table, undocumented

CHARTS = applications()


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_readme_values_table_is_current(chart: Chart) -> None:
    assert stale(chart) == [], f"run `invoke docs` and commit the result for {chart.name}"


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_every_value_is_documented(chart: Chart) -> None:
    assert undocumented((chart.path / "values.yaml").read_text()) == []


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_chart_has_notes_and_ci_scenarios(chart: Chart) -> None:
    assert (chart.path / "templates" / "NOTES.txt").is_file()
    assert chart.scenarios, f"{chart.name} needs ci/*-values.yaml scenarios"


@pytest.mark.parametrize("chart", discover(), ids=lambda c: c.name)
def test_chart_metadata_follows_the_conventions(chart: Chart) -> None:
    meta = chart.meta
    assert meta["apiVersion"] == "v2"
    assert meta["kubeVersion"] == ">=1.29.0-0"
    assert meta.get("description") and meta.get("maintainers")
    assert "artifacthub.io/license" in (meta.get("annotations") or {})
    if not chart.is_library:
        assert "common" in chart.dependencies, "every chart uses the common library"
        assert (chart.path / "charts" / "common").resolve() == (chart.path.parent / "common").resolve()
        images = yaml.safe_load(meta["annotations"].get("artifacthub.io/images", "[]") or "[]")
        assert images or chart.name == "platform", "list the chart's images for Artifact Hub"


def test_generator_documents_nested_keys_and_skips_list_items() -> None:
    text = (
        "# -- top\n"
        "a: 1\n"
        "b:\n"
        "  # -- nested, on\n"
        "  # two lines\n"
        "  c: x\n"
        "# -- pools\n"
        "pools:\n"
        "  - name: p\n"
        "    # -- not a row\n"
        "    x: 1\n"
        "# -- after\n"
        "d: true\n"
    )
    rows = parse(text, {"properties": {"b": {"properties": {"c": {"type": "string", "enum": ["x"]}}}}})
    assert [(r.key, r.type, r.default, r.description) for r in rows] == [
        ("a", "integer", "`1`", "top"),
        ("b.c", "string", '`"x"`', "nested, on two lines"),
        ("pools", "array", '`[{"name":"p","x":1}]`', "pools"),
        ("d", "boolean", "`true`", "after"),
    ]
    assert undocumented("a: 1\n# -- ok\nb: 2\n") == ["a"]


def test_splice_replaces_only_between_markers() -> None:
    readme = "intro\n<!-- values-table:start -->\nold\n<!-- values-table:end -->\noutro\n"
    out = splice(readme, table([]))
    assert out.startswith("intro\n") and out.endswith("outro\n") and "old" not in out


def test_each_default_gets_the_json_type_of_its_value_when_the_schema_has_none() -> None:
    text = "".join(f"# -- {k}\n{k}: {v}\n" for k, v in (
        ("b", "true"), ("i", "3"), ("f", "0.5"), ("s", "x"), ("l", "[1]"), ("o", "{a: 1}"), ("n", "null")))
    assert [(r.key, r.type) for r in parse(text)] == [
        ("b", "boolean"), ("i", "integer"), ("f", "number"), ("s", "string"), ("l", "array"), ("o", "object"),
        ("n", "null")]
