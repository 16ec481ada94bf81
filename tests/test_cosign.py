"""cosign signatures on pushed charts, against a real registry (docker-registry with TLS and basic auth)
and the project's cosign (built by `invoke tools`): `push` signs, `verify-published` verifies, and the
key password never shows on a command line or in a log."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chartops import cosign
from chartops import helm as helm_mod
from chartops.charts import get
from chartops.commands import Command
from chartops.package import package_charts
from chartops.paths import repo_root
from chartops.published import signature_verdicts
from chartops.registry import FAILED, PUSHED, UP_TO_DATE, Credentials, Registry, Retry, login, push_packages
from tests.registry_server import (  # noqa: F401  (fixtures)
    PASSWORD,
    USERNAME,
    RegistryServer,
    helm_home,
    need,
    registry_dir,
    tls_registry,
)

pytestmark = pytest.mark.registry

KEY_PASSWORD = "k3y 'pa$$' \"word\""
FAST = Retry(attempts=2, delay=0.05)
CREDS = Credentials(USERNAME, PASSWORD)
NFS = "nfs-subdir-provisioner"


@dataclass(frozen=True)
class Keys:
    key: Path
    pub: Path
    other_key: Path
    other_pub: Path


@pytest.fixture(scope="module")
def cosign_binary() -> Path:
    try:
        return cosign.binary()
    except cosign.CosignError as err:
        need("cosign", str(err))
        raise


@pytest.fixture(scope="module")
def keys(cosign_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Keys:
    where = tmp_path_factory.mktemp("cosign-keys")
    for prefix in ("cosign", "other"):
        subprocess.run([str(cosign_binary), "generate-key-pair", "--output-key-prefix", prefix], cwd=where,
                       env={**os.environ, "COSIGN_PASSWORD": KEY_PASSWORD}, check=True, capture_output=True)
    return Keys(where / "cosign.key", where / "cosign.pub", where / "other.key", where / "other.pub")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return package_charts(helm_mod.find(), [get("common"), get(NFS)], tmp_path_factory.mktemp("dist"))


@pytest.fixture
def key_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COSIGN_PASSWORD", KEY_PASSWORD)
    return KEY_PASSWORD


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[Command]:
    """Every command the delivery code runs in this test (argv and environment as given)."""
    seen: list[Command] = []
    real = Command.run

    def spy(self: Command, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        seen.append(self)
        return real(self, timeout)

    monkeypatch.setattr(Command, "run", spy)
    return seen


def tags(server: RegistryServer, repository: str) -> list[str]:
    """The registry's tag list of a repository (the distribution API, with the test robot's login)."""
    import base64
    import json
    import ssl
    import urllib.request

    assert server.ca_file is not None
    request = urllib.request.Request(f"https://{server.host}/v2/{repository}/tags/list")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode())
    context = ssl.create_default_context(cafile=str(server.ca_file))
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return list(json.loads(response.read())["tags"])


def tls(server: RegistryServer, project: str) -> Registry:
    assert server.ca_file is not None
    return Registry(server.url(project), ca_file=server.ca_file)


def push(registry: Registry, packages: list[Path], key: Path | None, pub: Path | None = None) -> list:  # type: ignore[type-arg]
    helm = helm_mod.find()
    if key is None:
        return push_packages(helm, registry, packages, CREDS, FAST)
    with cosign.signing(registry, CREDS, cosign.SigningKey(path=key), pub) as sign:
        return push_packages(helm, registry, packages, CREDS, FAST, sign=sign)


def verdicts(registry: Registry, pub: Path) -> dict[str, tuple[bool, str]]:
    login(helm_mod.find(), registry, CREDS, FAST)
    found = signature_verdicts(helm_mod.find(), registry, [get("common"), get(NFS)], pub, CREDS, FAST)
    return {v.chart: (v.ok, v.detail) for v in found}


def test_push_signs_every_chart_and_verify_passes(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path, commands: list[Command],  # noqa: F811
) -> None:
    registry = tls(tls_registry, "signed")
    outcomes = push(registry, packages, keys.key, keys.pub)
    assert [(o.status, o.signature) for o in outcomes] == [(PUSHED, "signed"), (PUSHED, "signed")]
    assert all(o.manifest.startswith("sha256:") for o in outcomes)
    assert {c: ok for c, (ok, _) in verdicts(registry, keys.pub).items()} == {"common": True, NFS: True}
    # the signature is where Harbor and Flux look for it: the tag sha256-<digest>.sig beside the chart
    digest = outcomes[1].manifest.removeprefix("sha256:")
    assert f"sha256-{digest}.sig" in tags(tls_registry, f"signed/{NFS}")
    everything = " ".join(" ".join(c.argv) + " " + " ".join(f"{k}={v}" for k, v in c.env.items()) for c in commands)
    assert key_password not in everything, "the key password reached a command line or a command's own env"
    assert any(c.argv[1] == "sign" and f"{registry.host}/signed/{NFS}@sha256:{digest}" in c.argv for c in commands)


def test_pushing_again_signs_nothing_twice(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "twice")
    push(registry, packages, keys.key)
    again = push(registry, packages, keys.key)
    assert [(o.status, o.signature) for o in again] == [(UP_TO_DATE, "already signed")] * 2


def test_a_chart_held_unsigned_is_signed_by_the_next_push(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "later")
    push(registry, packages, None)
    assert not verdicts(registry, keys.pub)[NFS][0]
    outcomes = push(registry, packages, keys.key)
    assert [(o.status, o.signature) for o in outcomes] == [(UP_TO_DATE, "signed")] * 2
    assert verdicts(registry, keys.pub)[NFS][0]


def test_verify_fails_on_a_chart_pushed_unsigned(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "unsigned")
    push(registry, packages, None)
    ok, detail = verdicts(registry, keys.pub)[NFS]
    assert not ok and "no cosign signature" in detail, detail


def test_verify_fails_on_a_signature_made_with_another_key(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "other-key")
    push(registry, packages, keys.other_key)
    ok, detail = verdicts(registry, keys.pub)[NFS]
    assert not ok and "was not made with the key in" in detail, detail


def test_a_public_key_of_another_pair_is_refused_before_anything_is_pushed(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "mismatch")
    with pytest.raises(cosign.CosignError, match="is not the public key of"):
        push(registry, packages, keys.key, keys.other_pub)
    assert verdicts(registry, keys.pub)[NFS] == (False, f"{registry.ref(NFS)}:{get(NFS).version} is not published: "
                                                        "run `invoke push`")


def test_a_wrong_key_password_is_refused_before_anything_is_pushed(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, helm_home: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSIGN_PASSWORD", "not the password")
    registry = tls(tls_registry, "wrong-password")
    with pytest.raises(cosign.CosignError, match="does not open with COSIGN_PASSWORD") as err:
        push(registry, packages, keys.key)
    assert "not the password" not in str(err.value)
    monkeypatch.delenv("COSIGN_PASSWORD")
    with pytest.raises(cosign.CosignError, match="COSIGN_PASSWORD is not set"):
        push(registry, packages, keys.key)


def test_the_private_key_can_come_from_the_environment(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, key_password: str,  # noqa: F811
    helm_home: Path, commands: list[Command], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    pem = keys.key.read_text()
    monkeypatch.setenv("COSIGN_PRIVATE_KEY", pem)
    key = cosign.signing_key(None)
    assert key == cosign.SigningKey(env="COSIGN_PRIVATE_KEY")
    registry = tls(tls_registry, "env-key")
    with cosign.signing(registry, CREDS, key) as sign:
        outcomes = push_packages(helm_mod.find(), registry, packages, CREDS, FAST, sign=sign)
    assert [o.signature for o in outcomes] == ["signed", "signed"]
    body = pem.split("-----")[2].strip().splitlines()[1]
    assert not any(body in " ".join(c.argv) for c in commands), "the private key reached a command line"


@pytest.mark.parametrize(("flag", "env", "says"), [
    ("missing.key", {}, "--cosign-key missing.key does not exist"),
    (None, {"COSIGN_KEY": "missing.key"}, "COSIGN_KEY missing.key does not exist"),
    ("PUB", {}, "is not a cosign private key"),
    (None, {"COSIGN_PRIVATE_KEY": "not a key"}, "COSIGN_PRIVATE_KEY does not hold a PEM private key"),
])
def test_a_bad_key_argument_is_a_clear_error(keys: Keys, flag: str | None, env: dict[str, str], says: str) -> None:
    with pytest.raises(cosign.CosignError, match=says):
        cosign.signing_key(str(keys.pub) if flag == "PUB" else flag, env)


def test_no_key_means_no_signing() -> None:
    assert cosign.signing_key(None, {}) is None
    assert cosign.public_key(None, {}) is None


def test_the_push_task_signs_and_never_shows_the_password(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, helm_home: Path,  # noqa: F811
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARBOR_", "COSIGN_"))}
    env |= {"HARBOR_USERNAME": USERNAME, "HARBOR_PASSWORD": PASSWORD, "COSIGN_PASSWORD": KEY_PASSWORD}
    base = ["--registry", tls_registry.url("task"), "--ca-file", str(tls_registry.ca_file)]
    seen: list[str] = []
    dest = ["--dest", str(packages[0].parent), "--chart", NFS]
    for args in (["--dry", "push", *base, *dest, "--cosign-key", str(keys.key)],
                 ["push", *base, *dest, "--cosign-key", str(keys.key), "--cosign-pub", str(keys.pub)],
                 ["verify-published", *base, "--cosign-pub", str(keys.pub), "--chart", NFS]):
        out = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(), env=env, capture_output=True,
                             text=True, check=False, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        assert KEY_PASSWORD not in out.stdout + out.stderr and PASSWORD not in out.stdout + out.stderr
        seen.append(out.stdout)
    dry, pushed, verified = seen
    assert "cosign sign --key" in dry and "--new-bundle-format=false" in dry and "<redacted>" in dry
    assert pushed.splitlines()[0].split() == ["CHART", "VERSION", "DIGEST", "STATUS", "SIGNATURE"]
    assert pushed.splitlines()[1].split()[-1] == "signed"
    assert "signed with cosign.pub" in verified


def test_the_verify_task_fails_on_an_unsigned_chart(
    tls_registry: RegistryServer, packages: list[Path], keys: Keys, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "task-unsigned")
    push(registry, packages, None)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARBOR_", "COSIGN_"))}
    env |= {"HARBOR_USERNAME": USERNAME, "HARBOR_PASSWORD": PASSWORD}
    out = subprocess.run([sys.executable, "-m", "invoke", "verify-published", "--registry", registry.url,
                          "--ca-file", str(tls_registry.ca_file), "--cosign-pub", str(keys.pub)],
                         cwd=repo_root(), env=env, capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert f"FAIL {NFS} {get(NFS).version}: {NFS}@sha256:" in out.stdout and "no cosign signature" in out.stdout


def test_a_failed_signature_marks_the_chart_failed(
    tls_registry: RegistryServer, packages: list[Path], helm_home: Path,  # noqa: F811
) -> None:
    def broken(chart: str, digest: str) -> str:
        raise cosign.CosignError(f"signing {chart}@{digest}: the registry denied it (403)")

    outcomes = push_packages(helm_mod.find(), tls(tls_registry, "broken"), packages, CREDS, FAST, sign=broken)
    assert [o.status for o in outcomes] == [FAILED, FAILED]
    assert outcomes[0].detail.startswith("pushed, but not signed: signing common@sha256:")


def test_cosign_errors_say_what_to_do() -> None:
    no_sig = cosign.explain("x", "Error: no signatures found\nmain.go:74: error during command execution")
    assert "no cosign signature" in str(no_sig)
    wrong = cosign.explain("x", "Error: no matching signatures: invalid signature when validating ASN.1 encoded "
                                "signature", "cosign.pub")
    assert "not made with the key in cosign.pub" in str(wrong)
    denied = cosign.explain("x", "Error: signing [h/a/b@sha256:1]: PUT https://h/v2/a/b/manifests/sha256-1.sig: "
                                 "UNAUTHORIZED: authentication required")
    assert "(401)" in str(denied)
