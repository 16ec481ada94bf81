"""The invoke menu as a user meets it: streams, exit codes, --help, colour, dry runs, readable helm errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chartops import cli
from chartops import helm as helm_mod
from chartops.testbed import plane as plane_mod
from tests.helpers import ROOT, render_error

ANSI = "\x1b["


def inv(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
        unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m invoke ARGS` from the repository root, its output captured (so never a terminal)."""
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=timeout, check=False)


def task_names() -> list[str]:
    out = inv("--list", "--list-format=json")
    assert out.returncode == 0, out.stderr
    return [t["name"] for t in json.loads(out.stdout)["tasks"]]


def assert_usage_error(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if not line.startswith("using helm")]
    assert len(lines) == 1, out.stderr
    for word in words:
        assert word in lines[0]


# --- streams ------------------------------------------------------------------------------------


def test_render_writes_only_yaml_to_stdout_and_diagnostics_to_stderr() -> None:
    out = inv("render", "--chart", "platform", "--values", "values/lab.yaml")
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert docs and all(isinstance(d, dict) and "kind" in d for d in docs)
    assert "using helm" in out.stderr
    assert "found symbolic link" not in out.stdout + out.stderr
    assert ANSI not in out.stdout + out.stderr


# --- usage errors: one line, exit 2 ---------------------------------------------------------------


def test_an_unknown_chart_is_a_one_line_usage_error() -> None:
    assert_usage_error(inv("render", "--chart", "nope"), "no chart named 'nope'", "known:")


def test_an_unknown_values_file_is_a_one_line_usage_error() -> None:
    assert_usage_error(inv("render", "--chart", "metallb", "--values", "values/nope.yaml"),
                       "values file not found", "values/nope.yaml")


def test_an_unknown_flag_is_a_one_line_usage_error() -> None:
    assert_usage_error(inv("render", "--chart", "metallb", "--bogus"), "--bogus", "--help")


@pytest.mark.parametrize(("task", "flag"), [("render", "--chart"), ("push", "--registry"),
                                            ("verify-published", "--registry")])
def test_a_missing_required_option_names_it(task: str, flag: str) -> None:
    assert_usage_error(inv(task), f"{task} needs {flag}")


def test_an_unknown_chart_in_a_delivery_task_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(inv("package", "--chart", "nope", "--dest", str(tmp_path)), "no chart named 'nope'")


def test_help_works_on_every_task() -> None:
    names = task_names()
    assert {"render", "push", "verify-published", "package", "images", "build"} <= set(names)
    for name in names:
        out = inv(name, "--help")
        assert out.returncode == 0, f"inv {name} --help: {out.stderr}"
        assert out.stdout.startswith("Usage:") and name in out.stdout.splitlines()[0]


# --- colour ---------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli.colour_enabled(Terminal())
    assert not cli.colour_enabled(io.StringIO())
    assert cli.paint("ok", "green", io.StringIO()) == "ok"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.colour_enabled(Terminal())
    assert cli.paint("ok", "green", Terminal()) == "ok"


def test_dry_runs_into_a_pipe_carry_no_colour_codes() -> None:
    out = inv("--dry", "lint", "--chart", "common")
    assert out.returncode == 0, out.stderr
    assert "helm lint" in out.stdout and ANSI not in out.stdout + out.stderr


# --- dry runs show every step ---------------------------------------------------------------------


def test_a_dry_build_shows_every_command_of_lint_and_package() -> None:
    out = inv("--dry", "build", "--chart", "metallb")
    assert out.returncode == 0, out.stderr
    ct_lint = [line for line in out.stdout.splitlines() if "ct lint --config ci/ct.yaml" in line]
    assert len(ct_lint) == 1 and "--charts charts/metallb" in ct_lint[0], out.stdout
    for step in ("README values table", "git merge-base HEAD main", "helm package", "sorted by path"):
        assert step in out.stdout, step


def test_a_dry_signed_package_shows_the_gpg_commands(tmp_path: Path) -> None:
    ring = tmp_path / "secring.gpg"
    out = inv("--dry", "package", "--chart", "common", "--sign", "--key", "Platform Team", "--keyring", str(ring),
              "--dest", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert f"--import {ring}" in out.stdout and "--clearsign" in out.stdout and "helm package" in out.stdout


# --- helm's stderr as users see it ------------------------------------------------------------------


def test_inv_render_reports_a_schema_error_readably_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("global:\n  network:\n    podCIDR: 10.0.0.0/33\n")
    out = inv("render", "--chart", "platform", "--values", "values/lab.yaml", "--values", str(bad))
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr and "found symbolic link" not in out.stderr
    assert out.stderr.count("at '/global/network/podCIDR': '10.0.0.0/33' is not an IPv4 CIDR") == 1, out.stderr


@pytest.fixture(scope="module")
def bad_global() -> str:
    """The umbrella with an invalid global value: every subchart's schema sees it."""
    return helm_mod.clean_stderr(render_error(
        "platform", {"global": {"network": {"podCIDR": "10.0.0.0/33"}, "clusterDomain": "Bad_Domain"}},
        ["values/lab.yaml"]))


def test_an_invalid_global_value_is_reported_once_with_its_key(bad_global: str) -> None:
    assert bad_global.count("at '/global/network/podCIDR'") == 1, bad_global
    assert bad_global.count("at '/global/clusterDomain'") == 1, bad_global
    assert "validation failed" not in bad_global


def test_schema_errors_say_what_is_expected_not_the_regex(bad_global: str) -> None:
    assert "'10.0.0.0/33' is not an IPv4 CIDR such as 10.0.0.0/24" in bad_global
    assert "'Bad_Domain' is not a DNS name" in bad_global
    assert "does not match pattern" not in bad_global and "[0-9]" not in bad_global


def test_an_ip_address_error_says_so() -> None:
    err = helm_mod.clean_stderr(render_error("coredns", {"hosts": {"entries": [
        {"ip": "10.0.0.300", "names": ["nas.feng.org"]}]}}))
    assert "at '/hosts/entries/0/ip': '10.0.0.300' is not an IPv4 or IPv6 address" in err, err


def test_numeric_limits_print_exactly() -> None:
    err = helm_mod.clean_stderr(render_error("metallb", {"bgpPeers": [
        {"name": "p", "myASN": 4294967296, "peerASN": 1, "peerAddress": "10.0.0.1"}]}))
    assert "at '/bgpPeers/0/myASN': must be at most 4294967295 (got 4294967296)" in err, err
    assert "×10" not in err and "e+" not in err


@pytest.mark.parametrize(("regex", "words"), [
    (r"^$|^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$",
     "a port number from 1 to 65535 (or empty)"),
    (r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$",
     "an IPv4 address such as 10.0.0.10"),
    (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "a DNS label: lower-case letters, digits and '-'"),
    (r"^$|^sha256:[a-f0-9]{64}$", "an image digest: sha256: and 64 hex digits (or empty)"),
    (r"^[A-Za-z0-9_$-]{1,32}$", None),
])
def test_known_value_shapes_are_named(regex: str, words: str | None) -> None:
    assert helm_mod.describe_pattern(regex) == words


def test_an_unnamed_shape_points_to_the_key_instead_of_printing_the_regex() -> None:
    line = helm_mod.readable_error("at '/auth/username': 'a b' does not match pattern '^[A-Za-z0-9_$-]{1,32}$'")
    assert line == "at '/auth/username': 'a b' is not in the form the chart takes here " \
                   "(the chart's README describes auth.username)"


def test_helm_numbers_and_limits_are_rewritten() -> None:
    assert helm_mod.readable_error("at '/p': maximum: got 70,000, want 65,535") == \
        "at '/p': must be at most 65535 (got 70000)"
    assert helm_mod.readable_error("at '/r': minimum: got 0, want 1") == "at '/r': must be at least 1 (got 0)"
    assert helm_mod.exact_number("1.5×10⁻⁰¹") == "0.15"
    assert helm_mod.exact_number("at '/a': '1,000' got 70,000") == "at '/a': '1,000' got 70000"  # the user's value stays


def test_the_debug_hint_and_symlink_notes_are_dropped() -> None:
    stderr = ('level=INFO msg="found symbolic link in path. Contents of linked file included and used" path=x\n'
              "Error: YAML parse error on x/templates/a.yaml: error converting YAML to JSON\n"
              "Use --debug flag to render out invalid YAML\n")
    assert helm_mod.clean_stderr(stderr) == "Error: YAML parse error on x/templates/a.yaml: error converting YAML to JSON"


# --- a newcomer's set-up ------------------------------------------------------------------------------


def quick_start() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Quick start", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_quick_start_sets_up_a_virtual_environment_and_tests_from_it() -> None:
    """PEP 668: a distribution's python3 refuses `pip install` outside a virtual environment."""
    setup, test = quick_start()
    assert setup == "./setup" and test == ".venv/bin/python -m invoke test"
    script = (ROOT / "setup").read_text()
    assert "-m venv .venv" in script and ".venv/bin/python -m pip install" in script
    assert "python3 -m pip install" not in script
    assert os.access(ROOT / "setup", os.X_OK)


def test_setup_refuses_a_python_older_than_3_11_in_one_line(tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.9.2' && exit 0\nexit 1\n")
    old.chmod(0o755)
    out = subprocess.run([str(ROOT / "setup")], env={**os.environ, "PYTHON": str(old)}, capture_output=True,
                         text=True, check=False, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip() == f"setup: needs Python >= 3.11; {old} is Python 3.9.2 (set PYTHON=...)"


def test_activate_puts_the_project_tools_first_on_path(tmp_path: Path) -> None:
    go_tool = ROOT / ".tools" / "go"
    script = f". {ROOT / 'activate'} && echo \"$PATH\" && command -v helm"
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={**os.environ, "PATH": "/usr/bin:/bin"})
    path, *found = out.stdout.splitlines()
    entries = path.split(":")
    assert entries[0] == str(ROOT / ".venv" / "bin")
    assert str(ROOT / ".tools" / "bin") in entries and entries.index(str(ROOT / ".tools" / "bin")) < entries.index("/usr/bin")
    built = [str(d) for d in go_tool.glob("*/") if d.is_dir()] if go_tool.is_dir() else []
    assert set(built) <= set(entries)
    if (ROOT / ".tools" / "bin" / "helm").is_file():  # the project's helm, not one elsewhere on PATH
        assert len(found) == 1 and Path(found[0]).is_relative_to(ROOT / ".tools"), found


def test_a_dry_docs_run_says_what_it_would_regenerate_and_changes_nothing() -> None:
    out = inv("--dry", "docs", "--chart", "metallb")
    assert out.returncode == 0, out.stderr
    assert "regenerate the README values table" in out.stdout and "up to date" not in out.stdout


def test_a_dry_images_run_shows_both_renders_it_compares() -> None:
    out = inv("--dry", "images", "--values", "values/lab.yaml", "--values", "values/cn-mirror.yaml")
    assert out.returncode == 0, out.stderr
    runs = [line for line in out.stdout.splitlines() if " template " in line]
    assert len(runs) == 2 and all("charts/platform" in r for r in runs)
    assert "values/cn-mirror.yaml" in runs[0] and "values/cn-mirror.yaml" not in runs[1]


# --- invoke test stops the control planes it started -----------------------------------------------


def test_a_dry_test_run_says_it_stops_the_planes_it_starts() -> None:
    # without KUBECONFIG (the cluster tier sets it for its tests), which would name a cluster of its own
    out = inv("--dry", "test", "-m", "cluster", "-k", "nothing", unset=("KUBECONFIG",))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    pytest_line = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert f"nsenter --net=/run/netns/{plane_mod.NETNS} " in lines[pytest_line]
    assert lines[pytest_line + 1].startswith("# then: invoke cluster.down --plane P, for each control plane P this "
                                              "run started")
    kept = inv("--dry", "test", "-m", "cluster", "-k", "nothing", "--keep", unset=("KUBECONFIG",))
    assert "# then, kept running (--keep): the control planes this run started" in kept.stdout
    assert "cluster.down" not in kept.stdout


def test_a_run_without_the_cluster_tier_starts_and_stops_nothing() -> None:
    out = inv("--dry", "test", "-m", "not cluster")
    assert out.returncode == 0, out.stderr
    assert "ip netns" not in out.stdout
    assert "cluster.down" not in out.stdout and "kept running" not in out.stdout


class FakePlanes:
    """Planes of a throwaway checkout whose processes are plain `sleep`s (no network, nothing of the
    cluster tier): enough for what `stopping_started` reads, the pid files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, plane: str) -> None:
        from chartops.testbed import plane as plane_mod

        layout = plane_mod.layout_of(self.root, plane)
        layout.run.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
        layout.pidfile("etcd").write_text(str(proc.pid))
        self.procs[plane] = proc

    def alive(self, plane: str) -> bool:
        return self.procs[plane].poll() is None

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()


@pytest.fixture
def fake_planes(tmp_path: Path) -> Iterator[FakePlanes]:
    planes = FakePlanes(tmp_path)
    yield planes
    planes.stop_all()


def test_the_planes_a_run_started_are_stopped_and_the_others_left_alone(fake_planes: FakePlanes) -> None:
    from chartops.testbed import plane as plane_mod

    fake_planes.start("main")  # someone's `invoke cluster.up`, before the run
    with plane_mod.stopping_started(fake_planes.root) as started:
        fake_planes.start("ct")  # a test starts another plane
    fake_planes.procs["ct"].wait(timeout=20)
    assert started == ["ct"]
    assert not fake_planes.alive("ct") and fake_planes.alive("main")
    assert not plane_mod.running(fake_planes.root, "ct") and plane_mod.running(fake_planes.root, "main")


def test_a_failing_run_still_stops_its_planes(fake_planes: FakePlanes) -> None:
    from chartops.testbed import plane as plane_mod

    with pytest.raises(RuntimeError, match="pytest failed"), plane_mod.stopping_started(fake_planes.root) as started:
        fake_planes.start("main")
        raise RuntimeError("pytest failed")
    fake_planes.procs["main"].wait(timeout=20)
    assert started == ["main"] and not fake_planes.alive("main")


def test_keep_leaves_the_started_planes_running(fake_planes: FakePlanes) -> None:
    from chartops.testbed import plane as plane_mod

    with plane_mod.stopping_started(fake_planes.root, keep=True) as started:
        fake_planes.start("main")
    assert started == ["main"] and fake_planes.alive("main")
    with plane_mod.stopping_started(fake_planes.root) as again:
        pass
    assert again == [] and fake_planes.alive("main"), "a rerun leaves the kept plane to whoever kept it"
