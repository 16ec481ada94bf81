"""Publishing packaged charts to an OCI registry (Harbor) with helm.

Owns: the registry address and its TLS flags, logging in without ever putting
a password in argv or logs, reading back what the registry holds, the
immutable-version rule, retries of transient network errors, and turning
helm's registry errors into messages that say what to do.

What the registry holds is compared by pulling the existing version and
hashing the .tgz: packages are reproducible (chartops.package), so the same
chart content has the same sha256, which is also the chart layer's digest.
Going through `helm pull` keeps one code path for auth (an earlier
`helm registry login`, Harbor's token service) and TLS (--ca-file).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from chartops.commands import Command, helm_message
from chartops.helm import Helm
from chartops.package import chart_of

T = TypeVar("T")

PUSHED, UP_TO_DATE, REFUSED, FAILED, SKIPPED = "pushed", "up to date", "refused", "failed", "skipped"


class RegistryError(RuntimeError):
    """A registry operation failed; `kind` says why, the message says what to do."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Registry:
    """oci://HOST[:PORT]/PROJECT[/PATH] and how to talk to it."""

    url: str
    plain_http: bool = False
    insecure: bool = False
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if "@" in self.url.split("://", 1)[-1].split("/", 1)[0]:
            raise RegistryError(
                "usage",
                "--registry must not carry credentials (they would show in argv and logs): "
                "use oci://HOST/PROJECT with HARBOR_USERNAME and HARBOR_PASSWORD",
            )
        if parts.scheme != "oci" or not parts.netloc or not parts.path.strip("/"):
            raise RegistryError(
                "usage",
                f"--registry {self.url!r} is not oci://HOST/PROJECT; e.g. oci://harbor.feng.org/apps "
                "(the Harbor project must exist)",
            )
        if self.ca_file is not None and not self.ca_file.is_file():
            raise RegistryError("usage", f"--ca-file {self.ca_file} does not exist; pass the Harbor CA bundle (PEM)")
        object.__setattr__(self, "url", self.url.rstrip("/"))

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def project(self) -> str:
        return urlsplit(self.url).path.strip("/")

    def ref(self, chart: str) -> str:
        return f"{self.url}/{chart}"

    def flags(self, login: bool = False) -> list[str]:
        """TLS flags for helm; `helm registry login` spells skip-verify --insecure."""
        out: list[str] = []
        if self.plain_http:
            out.append("--plain-http")
        if self.insecure:
            out.append("--insecure" if login else "--insecure-skip-tls-verify")
        if self.ca_file is not None:
            out += ["--ca-file", str(self.ca_file)]
        return out


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """HARBOR_USERNAME / HARBOR_PASSWORD when both are set; None means reuse an existing login."""
    env = os.environ if env is None else env
    user, password = env.get("HARBOR_USERNAME", ""), env.get("HARBOR_PASSWORD", "")
    if user and password:
        return Credentials(user, password)
    if user or password:
        missing = "HARBOR_PASSWORD" if user else "HARBOR_USERNAME"
        raise RegistryError("usage", f"{missing} is not set; set both HARBOR_USERNAME and HARBOR_PASSWORD, or neither "
                                     "to reuse an existing `helm registry login`")
    return None


@dataclass(frozen=True)
class Retry:
    """Attempts and backoff for transient network errors (doubling delay)."""

    attempts: int = 4
    delay: float = 1.0

    def run(self, what: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return what()
            except RegistryError as err:
                if err.kind != "transient" or attempt == self.attempts:
                    if err.kind == "transient":
                        raise RegistryError("unreachable", f"{err} (gave up after {attempt} attempts)") from err
                    raise
                sleep(self.delay * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


DEFAULT_RETRY = Retry()

AUTH = ("unauthorized", "authentication required", "basic credential not found", "no basic auth credentials")
FORBIDDEN = ("forbidden", "denied")
NOT_FOUND = ("not found", "manifest unknown", "name unknown", "name_unknown")
TLS = ("x509", "certificate", "tls:")
PLAIN = ("server gave http response to https client",)
TRANSIENT = (
    "connection refused", "connection reset", "i/o timeout", "timeout", "unexpected eof", "broken pipe",
    "no such host", "temporary failure", "network is unreachable", "too many requests",
    "service unavailable", "bad gateway", "gateway timeout", "internal server error",
)
STATUS = {401: "auth", 403: "forbidden", 404: "not-found", 429: "transient"}


def classify(stderr: str) -> str:
    """auth, forbidden, tls, plain-http, https-only, not-found, transient or other, from helm's message."""
    text = stderr.lower()
    code = re.search(r"status code:? (\d{3})", text)
    if code:
        status = int(code.group(1))
        if status == 400 and '"http://' in text:
            return "https-only"  # a TLS port asked in plain http answers 400 Bad Request
        return STATUS.get(status, "transient" if status >= 500 else "other")
    for kind, words in (("auth", AUTH), ("forbidden", FORBIDDEN), ("plain-http", PLAIN), ("tls", TLS),
                        ("not-found", NOT_FOUND), ("transient", TRANSIENT)):
        if any(w in text for w in words):
            return kind
    return "other"


def explain(kind: str, registry: Registry, action: str, stderr: str) -> RegistryError:
    host, project = registry.host, registry.project
    detail = helm_message(stderr).splitlines()[-1] if helm_message(stderr) else "no message from helm"
    hints = {
        "auth": (
            f"{host} refused the credentials (401) while {action}: check HARBOR_USERNAME and HARBOR_PASSWORD "
            "(a Harbor robot account's full name, e.g. robot$apps+ci, and its secret; robot secrets expire)"
            if action.startswith("logging in") else
            f"{host} wants credentials (401) while {action}: set HARBOR_USERNAME and HARBOR_PASSWORD "
            f"(a Harbor robot account such as robot$apps+ci) or run `helm registry login {host}` first; "
            f"if you are logged in, the account lacks pull/push permission on project {project!r}"
        ),
        "forbidden": f"{host} denied {action} (403): give the robot account "
                     f"{'pull' if action.startswith('reading') else 'push and pull'} permission on "
                     f"project {project!r} (Harbor: Projects → {project} → Robot Accounts)",
        "not-found": f"{host} has no project {project!r} (404) while {action}: create it in Harbor "
                     "(Projects → New Project) or fix the --registry path",
        "tls": f"TLS verification of {host} failed while {action}: pass --ca-file with the Harbor CA "
               "(or --insecure-skip-tls-verify in a lab)",
        "plain-http": f"{host} speaks plain http: pass --plain-http",
        "https-only": f"{host} speaks https, not plain http (it answered 400 Bad Request): drop --plain-http "
                      "(and pass --ca-file with its CA if the certificate is self-signed)",
        "transient": f"cannot reach {host} while {action}; is the registry up and the address right?",
    }
    return RegistryError(kind, f"{hints.get(kind, f'{action} at {host} failed')}\n  helm: {detail}")


def run_helm(cmd: Command, registry: Registry, action: str, retry: Retry,
             ok_kinds: Sequence[str] = ()) -> tuple[str, str]:
    """Run a helm registry command with retries; returns (kind, stdout), kind "ok" or one of ok_kinds."""

    def attempt() -> tuple[str, str]:
        try:
            result = cmd.run()
        except subprocess.TimeoutExpired as err:
            # A registry that accepts the connection and never answers: retried like a network error.
            raise explain("transient", registry, action, f"no answer within {err.timeout:.0f} s") from None
        if result.returncode == 0:
            return "ok", result.stdout
        kind = classify(result.stderr)
        if kind in ok_kinds:
            return kind, result.stdout
        raise explain(kind, registry, action, result.stderr)

    return retry.run(attempt)


def login_command(helm: Helm, registry: Registry, creds: Credentials) -> Command:
    argv = [str(helm.path), "registry", "login", registry.host, "--username", creds.username, "--password-stdin"]
    return Command.of(argv + registry.flags(login=True), stdin_secret=creds.password)


def login(helm: Helm, registry: Registry, creds: Credentials, retry: Retry = DEFAULT_RETRY) -> None:
    run_helm(login_command(helm, registry, creds), registry, f"logging in as {creds.username}", retry)


def pull_command(helm: Helm, registry: Registry, name: str, version: str, dest: Path) -> Command:
    argv = [str(helm.path), "pull", registry.ref(name), "--version", version, "--destination", str(dest)]
    return Command.of(argv + registry.flags())


def push_command(helm: Helm, registry: Registry, package: Path) -> Command:
    return Command.of([str(helm.path), "push", str(package), registry.url] + registry.flags())


def sha256_file(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


_DIGEST = re.compile(r"^Digest: (sha256:[0-9a-f]{64})\s*$", re.M)


def manifest_digest(helm_stdout: str) -> str:
    """The manifest digest `helm push` and `helm pull` print ("Digest: sha256:…"); "" when absent."""
    found = _DIGEST.search(helm_stdout)
    return found.group(1) if found else ""


@dataclass(frozen=True)
class Held:
    """What the registry holds under name:version: the package's sha256 and the manifest's digest."""

    package: str
    manifest: str


def held(helm: Helm, registry: Registry, name: str, version: str, retry: Retry = DEFAULT_RETRY) -> Held | None:
    """What the registry holds under name:version, None when it holds nothing there."""
    with tempfile.TemporaryDirectory(prefix="chartops-pull-") as tmp:
        cmd = pull_command(helm, registry, name, version, Path(tmp))
        kind, out = run_helm(cmd, registry, f"reading {name}:{version}", retry, ok_kinds=("not-found",))
        if kind == "not-found":
            return None
        pulled = list(Path(tmp).glob("*.tgz"))
        if len(pulled) != 1:
            raise RegistryError("other", f"helm pull of {registry.ref(name)}:{version} wrote {pulled}, not one .tgz")
        return Held(sha256_file(pulled[0]), manifest_digest(out))


def remote_digest(helm: Helm, registry: Registry, name: str, version: str, retry: Retry = DEFAULT_RETRY) -> str | None:
    """sha256 of the chart the registry holds under name:version, None when it holds none."""
    found = held(helm, registry, name, version, retry)
    return found.package if found else None


@dataclass(frozen=True)
class Outcome:
    chart: str
    version: str
    digest: str
    status: str
    detail: str = ""
    manifest: str = ""  # the manifest digest in the registry (what a cosign signature signs)
    signature: str = ""  # "signed", "already signed", or "" when push signs nothing

    @property
    def ok(self) -> bool:
        return self.status in (PUSHED, UP_TO_DATE)


def push_one(helm: Helm, registry: Registry, package: Path, retry: Retry = DEFAULT_RETRY,
             sign: Callable[[str, str], str] | None = None) -> Outcome:
    """Push one package unless the registry already holds that version (same content: fine; other: refused);
    then sign(chart, manifest digest) when given (a chart already held is signed if it is not yet)."""
    meta = chart_of(package)
    name, version, digest = meta["name"], meta["version"], sha256_file(package)
    found = held(helm, registry, name, version, retry)
    if found is not None and found.package != digest:
        return Outcome(
            name, version, digest, REFUSED,
            f"{registry.ref(name)}:{version} already holds other content ({found.package}); versions are immutable: "
            f"bump `version` in charts/{name}/Chart.yaml",
        )
    if found is not None:
        status, detail, manifest = UP_TO_DATE, "", found.manifest
    else:
        _, out = run_helm(push_command(helm, registry, package), registry, f"pushing {name}:{version}", retry)
        signed = " (with provenance)" if package.with_name(package.name + ".prov").is_file() else ""
        status, detail, manifest = PUSHED, f"{registry.ref(name)}:{version}{signed}", manifest_digest(out)
    if sign is None:
        return Outcome(name, version, digest, status, detail, manifest)
    if not manifest:
        return Outcome(name, version, digest, FAILED, "helm printed no manifest digest to sign", manifest)
    try:
        signature = sign(name, manifest)
    except RuntimeError as err:  # a cosign failure: the chart is there, its signature is not
        return Outcome(name, version, digest, FAILED, f"{status}, but not signed: {err}", manifest)
    return Outcome(name, version, digest, status, detail, manifest, signature)


# Errors that every further chart would meet too (the registry, its TLS, the credentials or the
# project): the rest are skipped. Others (a 403 on one repository, a refused manifest) concern
# one chart: the push goes on with the next, and the summary names what failed.
REGISTRY_WIDE = ("auth", "tls", "plain-http", "https-only", "not-found", "unreachable", "transient")


def abandon(packages: Sequence[Path], error: RegistryError) -> list[Outcome]:
    """The first package failed with a registry-wide error; the rest are not attempted."""
    out: list[Outcome] = []
    for package in packages:
        meta = chart_of(package)
        status, detail = (SKIPPED, f"not attempted after {out[0].chart} failed") if out else (FAILED, str(error))
        out.append(Outcome(meta["name"], meta["version"], sha256_file(package), status, detail))
    return out


def push_packages(helm: Helm, registry: Registry, packages: Sequence[Path], creds: Credentials | None,
                  retry: Retry = DEFAULT_RETRY, sign: Callable[[str, str], str] | None = None) -> list[Outcome]:
    """Log in (when credentials are given) and push each package, signing each with sign(chart, digest) when
    given. A registry-wide error stops the push (the rest are skipped); an error of one chart fails that chart
    and the push goes on."""
    outcomes: list[Outcome] = []
    if creds is not None:
        try:
            login(helm, registry, creds, retry)
        except RegistryError as err:
            return abandon(packages, err)
    for i, package in enumerate(packages):
        try:
            outcomes.append(push_one(helm, registry, package, retry, sign))
        except RegistryError as err:
            if err.kind in REGISTRY_WIDE:
                outcomes += abandon(packages[i:], err)
                break
            meta = chart_of(package)
            outcomes.append(Outcome(meta["name"], meta["version"], sha256_file(package), FAILED, str(err)))
    return outcomes


def failure_line(outcomes: Sequence[Outcome]) -> str:
    """One line for the end of a push that did not publish everything: what failed, what did not run."""
    counts = {s: [o for o in outcomes if o.status == s] for s in (PUSHED, UP_TO_DATE, REFUSED, FAILED, SKIPPED)}
    bad = [f"{o.chart} {o.version} {o.status}" for o in outcomes if not o.ok and o.status != SKIPPED]
    skipped = f", {len(counts[SKIPPED])} skipped" if counts[SKIPPED] else ""
    return (f"push incomplete: {'; '.join(bad)}{skipped} ({len(counts[PUSHED])} pushed, "
            f"{len(counts[UP_TO_DATE])} up to date of {len(outcomes)}); why: the lines under the table")


def summary(outcomes: Sequence[Outcome]) -> str:
    """A table: chart, version, digest, status (and signature when push signs); then the details of anything
    not pushed cleanly."""
    signing = any(o.signature for o in outcomes)
    rows = [("CHART", "VERSION", "DIGEST", "STATUS", *(("SIGNATURE",) if signing else ()))] + [
        (o.chart, o.version, o.digest, o.status, *((o.signature or "-",) if signing else ())) for o in outcomes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    details = [f"{o.chart}: {o.detail}" for o in outcomes if o.detail and not o.ok]
    return "\n".join(lines + ([""] + details if details else []))
