"""cosign signatures on the pushed charts: made by `invoke push`, checked by `invoke verify-published`.

A cosign signature signs a manifest digest, which exists only once the chart is in the registry, so
signing happens at push time (the GPG .prov of `invoke package` stays as it is). Each pushed chart's
digest (the `Digest:` line of `helm push`/`helm pull`) is signed with a key pair made by
`cosign generate-key-pair`:

- the private key from `--cosign-key FILE`, else `COSIGN_KEY` (a file), else `COSIGN_PRIVATE_KEY`
  (the PEM itself, handed to cosign as `env://COSIGN_PRIVATE_KEY`, so it never shows in argv);
- its password only from `COSIGN_PASSWORD`, which cosign reads from its environment: never argv, never a log;
- the public key from `--cosign-pub FILE`, else `COSIGN_PUBLIC_KEY` (a file).

Format: the "legacy" signature manifest under the tag `sha256-<digest>.sig` (`--new-bundle-format=false`),
without a transparency log (a private registry with a private key: `--tlog-upload=false`,
`--insecure-ignore-tlog` on verify). That is the format every party here reads: distribution stores
it as a plain tag, Harbor shows it as the artifact's signature accessory (since 2.5, 2.15 included) and
its "Cosign: prevent unsigned pulls" policy counts it, and Flux's source-controller (cosign v2's
VerifyImageSignatures) verifies it. cosign v3's default Sigstore bundle (an OCI referrer) is read only
by Harbor >= 2.15 and not by Flux 2.7.

Registry login: cosign reads a Docker config; one is written into a private temporary directory from
HARBOR_USERNAME/HARBOR_PASSWORD, or copied from helm's registry login, and removed afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chartops.commands import Command
from chartops.paths import repo_root
from chartops.registry import Credentials, Registry, classify

VERSION = "v3.1.3"
PASSWORD_ENV, PRIVATE_KEY_ENV, KEY_FILE_ENV, PUBLIC_KEY_ENV = (
    "COSIGN_PASSWORD", "COSIGN_PRIVATE_KEY", "COSIGN_KEY", "COSIGN_PUBLIC_KEY")
# the signature format and the offline choices, the same for signing and verifying
SIGN_FLAGS = ("--tlog-upload=false", "--use-signing-config=false", "--new-bundle-format=false", "--yes")
VERIFY_FLAGS = ("--insecure-ignore-tlog=true", "--new-bundle-format=false", "--output", "json")


class CosignError(RuntimeError):
    """A signing or verification step failed; the message says what to do."""


def binary(root: Path | None = None) -> Path:
    """The project's cosign (built by `invoke tools` into .tools/go/), else one on PATH."""
    built = (root or repo_root()) / ".tools" / "go" / f"cosign-{VERSION}" / "cosign"
    if built.is_file():
        return built
    found = shutil.which("cosign")
    if found:
        return Path(found)
    raise CosignError(f"cosign {VERSION} is not built: run `invoke tools` (or put cosign >= 3 on PATH)")


@dataclass(frozen=True)
class SigningKey:
    """Where the private key is: a file, or the PEM in COSIGN_PRIVATE_KEY (`env` names that variable)."""

    path: Path | None = None
    env: str | None = None

    @property
    def ref(self) -> str:
        """What cosign's --key takes."""
        return f"env://{self.env}" if self.env else str(self.path)

    def describe(self) -> str:
        return f"${self.env}" if self.env else str(self.path)


def signing_key(flag: str | None, env: Mapping[str, str] | None = None) -> SigningKey | None:
    """--cosign-key, else COSIGN_KEY, else COSIGN_PRIVATE_KEY; None when none is given (no signing)."""
    env = os.environ if env is None else env
    named = flag or env.get(KEY_FILE_ENV, "")
    if named:
        path = Path(named)
        if not path.is_file():
            source = "--cosign-key" if flag else KEY_FILE_ENV
            raise CosignError(f"{source} {path} does not exist; make a key pair with "
                              f"`COSIGN_PASSWORD=... cosign generate-key-pair` (it writes cosign.key and cosign.pub)")
        text = path.read_text(errors="replace")
        if "PRIVATE KEY" not in text:
            raise CosignError(f"{path} is not a cosign private key (no PRIVATE KEY block): pass cosign.key, "
                              "not cosign.pub, to --cosign-key")
        return SigningKey(path=path)
    if env.get(PRIVATE_KEY_ENV, ""):
        if "PRIVATE KEY" not in env[PRIVATE_KEY_ENV]:
            raise CosignError(f"{PRIVATE_KEY_ENV} does not hold a PEM private key (the content of cosign.key)")
        return SigningKey(env=PRIVATE_KEY_ENV)
    return None


def public_key(flag: str | None, env: Mapping[str, str] | None = None) -> Path | None:
    """--cosign-pub, else COSIGN_PUBLIC_KEY; None when none is given (signatures are not checked)."""
    env = os.environ if env is None else env
    named = flag or env.get(PUBLIC_KEY_ENV, "")
    if not named:
        return None
    path = Path(named)
    source = "--cosign-pub" if flag else PUBLIC_KEY_ENV
    if not path.is_file():
        raise CosignError(f"{source} {path} does not exist; pass the cosign.pub of the key pair that signs")
    if "PUBLIC KEY" not in path.read_text(errors="replace"):
        raise CosignError(f"{source} {path} is not a PEM public key (cosign.pub)")
    return path


def key_der(pem: str) -> bytes:
    """The DER bytes of the first PEM block, for comparing keys whatever their line wrapping."""
    found = re.search(r"-----BEGIN [A-Z ]+-----(.*?)-----END", pem, re.S)
    if not found:
        raise CosignError("not a PEM key")
    return base64.b64decode("".join(found.group(1).split()))


def tls_flags(registry: Registry) -> list[str]:
    out = []
    if registry.plain_http:
        out.append("--allow-http-registry")
    if registry.insecure:
        out.append("--allow-insecure-registry")
    if registry.ca_file is not None:
        out += ["--registry-cacert", str(registry.ca_file)]
    return out


def _env(docker_config: Path | None) -> dict[str, str]:
    # TUF_ROOT: cosign would otherwise write a ~/.sigstore cache it never needs for key-based signatures
    env = {"TUF_ROOT": str(Path(tempfile.gettempdir()) / "chartops-sigstore")}
    if docker_config is not None:
        env["DOCKER_CONFIG"] = str(docker_config)
    return env


def sign_command(cosign: Path, key: SigningKey, registry: Registry, reference: str,
                 docker_config: Path | None = None) -> Command:
    """cosign sign of one digest reference; the password comes from COSIGN_PASSWORD in the environment."""
    argv = [str(cosign), "sign", "--key", key.ref, *SIGN_FLAGS, *tls_flags(registry), reference]
    return Command.of(argv, _env(docker_config))


def verify_command(cosign: Path, public: Path, registry: Registry, reference: str,
                   docker_config: Path | None = None) -> Command:
    argv = [str(cosign), "verify", "--key", str(public), *VERIFY_FLAGS, *tls_flags(registry), reference]
    return Command.of(argv, _env(docker_config))


def public_key_command(cosign: Path, key: SigningKey) -> Command:
    return Command.of([str(cosign), "public-key", "--key", key.ref])


def reference(registry: Registry, chart: str, digest: str) -> str:
    """HOST/PROJECT/CHART@sha256:… (cosign takes no oci:// scheme)."""
    return f"{registry.ref(chart).removeprefix('oci://')}@{digest}"


def helm_registry_config(env: Mapping[str, str] | None = None) -> Path:
    """Where `helm registry login` keeps its credentials (a Docker config file)."""
    env = os.environ if env is None else env
    if env.get("HELM_REGISTRY_CONFIG"):
        return Path(env["HELM_REGISTRY_CONFIG"])
    base = Path(env["HELM_CONFIG_HOME"]) if env.get("HELM_CONFIG_HOME") else (
        Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "helm")
    return base / "registry" / "config.json"


@contextmanager
def docker_config(registry: Registry, creds: Credentials | None) -> Iterator[Path]:
    """A private directory holding the config.json cosign reads: the credentials when given, else helm's
    registry login; removed on exit."""
    with tempfile.TemporaryDirectory(prefix="chartops-cosign-") as tmp:
        path = Path(tmp) / "config.json"
        if creds is not None:
            auth = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            text = json.dumps({"auths": {registry.host: {"auth": auth}}})
        else:
            helm_config = helm_registry_config()
            text = helm_config.read_text() if helm_config.is_file() else "{}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        yield Path(tmp)


_WRONG_PASSWORD = ("decryption failed", "incorrect password", "decrypt", "reading key")
_NO_SIGNATURE = ("no signatures found", "no matching signatures: \n", "manifest_unknown", "manifest unknown")
_BAD_SIGNATURE = ("invalid signature", "verification error", "no matching signatures", "failed to verify signature")


def explain(action: str, stderr: str, key: str = "") -> CosignError:
    """A cosign failure as a message that says what to do."""
    text = stderr.lower()
    detail = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "no message from cosign")
    if "error: signing" in text or "error: getting signer" in text or "error: reading key" in text:
        if any(w in text for w in _WRONG_PASSWORD):
            return CosignError(f"{action}: the cosign key {key} does not open with COSIGN_PASSWORD: set it to "
                               f"the password given to `cosign generate-key-pair`\n  cosign: {detail}")
    if any(w in text for w in ("no signatures found", "no matching signatures: no signatures")):
        return CosignError(f"{action}: no cosign signature: push it again with --cosign-key to sign it\n"
                           f"  cosign: {detail}")
    if any(w in text for w in _BAD_SIGNATURE):
        return CosignError(f"{action}: the signature was not made with the key in {key}: it was signed with "
                           f"another key, or the chart was changed after signing\n  cosign: {detail}")
    kind = classify(stderr)
    hints = {
        "auth": "the registry wants credentials (401): set HARBOR_USERNAME and HARBOR_PASSWORD (robot secrets "
                "expire)",
        "forbidden": "the registry denied it (403): give the robot account push permission (signatures are "
                     "pushed like charts)",
        "tls": "TLS verification failed: pass --ca-file with the registry's CA",
        "transient": "the registry is unreachable",
    }
    return CosignError(f"{action}: {hints.get(kind, 'cosign failed')}\n  cosign: {detail}")


def derive_public_key(cosign: Path, key: SigningKey) -> str:
    """The public key of the private key (PEM); fails clearly when COSIGN_PASSWORD does not open it."""
    if PASSWORD_ENV not in os.environ:
        raise CosignError(f"{PASSWORD_ENV} is not set: export the password of {key.describe()} "
                          f"(`read -rs {PASSWORD_ENV} && export {PASSWORD_ENV}`; empty for a key made without one)")
    result = public_key_command(cosign, key).run(timeout=60)
    if result.returncode != 0:
        text = result.stderr.lower()
        if any(w in text for w in _WRONG_PASSWORD):
            raise CosignError(f"the cosign key {key.describe()} does not open with {PASSWORD_ENV}: set it to the "
                              "password given to `cosign generate-key-pair`")
        raise CosignError(f"cosign could not read the key {key.describe()}: {result.stderr.strip()[-400:]}")
    return result.stdout


def check_pair(cosign: Path, key: SigningKey, public: Path | None) -> str:
    """The key's public half; with `public` given, it must be that key's public half."""
    derived = derive_public_key(cosign, key)
    if public is not None and key_der(derived) != key_der(public.read_text()):
        raise CosignError(f"--cosign-pub {public} is not the public key of {key.describe()}: signatures made "
                          "now would fail verification with it; pass the cosign.pub made together with that key")
    return derived


@dataclass(frozen=True)
class Signer:
    """What `push` signs with: the cosign binary, the private key, and a file with its public half."""

    cosign: Path
    key: SigningKey
    public: Path


@contextmanager
def signing(registry: Registry, creds: Credentials | None, key: SigningKey, public: Path | None = None,
            cosign: Path | None = None) -> Iterator[Callable[[str, str], str]]:
    """sign(chart, digest) for push_packages. The key pair is checked first (COSIGN_PASSWORD opens the
    key; --cosign-pub, when given, is its public half), so a bad key fails before anything is pushed."""
    cosign = cosign or binary()
    derived = check_pair(cosign, key, public)
    with docker_config(registry, creds) as config:
        pub = config / "cosign.pub"
        pub.write_text(derived)
        signer = Signer(cosign, key, pub)
        yield lambda chart, digest: sign(signer, registry, chart, digest, config)


def signed_by(cosign: Path, public: Path, registry: Registry, ref: str, config: Path | None) -> tuple[bool, str]:
    """(True, "") when ref carries a signature the public key verifies, else (False, cosign's stderr)."""
    result = verify_command(cosign, public, registry, ref, config).run(timeout=120)
    return result.returncode == 0, result.stderr


def sign(signer: Signer, registry: Registry, chart: str, digest: str, config: Path | None) -> str:
    """Sign chart@digest unless a signature of this key is already there; returns "signed" or "already signed"."""
    ref = reference(registry, chart, digest)
    ok, _ = signed_by(signer.cosign, signer.public, registry, ref, config)
    if ok:
        return "already signed"
    result = sign_command(signer.cosign, signer.key, registry, ref, config).run(timeout=120)
    if result.returncode != 0:
        raise explain(f"signing {chart}@{digest}", result.stderr, signer.key.describe())
    ok, stderr = signed_by(signer.cosign, signer.public, registry, ref, config)
    if not ok:
        raise explain(f"checking the new signature of {chart}@{digest}", stderr, str(signer.public))
    return "signed"


def verify(cosign: Path, public: Path, registry: Registry, chart: str, digest: str, config: Path | None) -> str:
    """Raise CosignError unless chart@digest carries a signature the public key verifies; returns a summary."""
    ref = reference(registry, chart, digest)
    ok, stderr = signed_by(cosign, public, registry, ref, config)
    if not ok:
        raise explain(f"{chart}@{digest}", stderr, str(public))
    return f"signed with {public.name}"


def plan(key: SigningKey | None, public: Path | None, registry: Registry, chart: str, sign_it: bool,
         cosign: Path | None = None) -> list[str]:
    """The cosign commands for one chart, for `inv --dry push` / `verify-published` (DIGEST: what helm prints)."""
    try:
        cosign = cosign or binary()
    except CosignError:
        cosign = Path(f".tools/go/cosign-{VERSION}/cosign")
    ref = reference(registry, chart, "<DIGEST>")
    config = Path("<tmp>")
    pub = public or Path("<tmp>/cosign.pub")
    lines = [f"{verify_command(cosign, pub, registry, ref, config).show()}  # DIGEST from helm's 'Digest:' line"]
    if sign_it and key is not None:
        lines.append(f"{sign_command(cosign, key, registry, ref, config).show()}  # unless verified above; "
                     f"{PASSWORD_ENV} from the environment")
    return lines


def plan_key_check(key: SigningKey, public: Path | None, cosign: Path | None = None) -> list[str]:
    try:
        cosign = cosign or binary()
    except CosignError:
        cosign = Path(f".tools/go/cosign-{VERSION}/cosign")
    note = f"  # must equal {public}" if public else "  # written to <tmp>/cosign.pub"
    return [f"{public_key_command(cosign, key).show()}{note}; {PASSWORD_ENV} from the environment",
            "# DOCKER_CONFIG=<tmp>: a private config.json with the registry login, removed afterwards (in-process)"]
