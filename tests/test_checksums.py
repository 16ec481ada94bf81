"""The supply chain of the tooling: a cached binary whose sha256 no longer matches is refused on
every use (not only when it is downloaded or built), with a message that says how to get it back."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from chartops import checksums
from chartops import helm as helm_mod


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

