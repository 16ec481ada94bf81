"""Publishing to a real OCI registry (docker-registry, the distribution server Harbor embeds).

Each test uses its own project path, so the session's two registries serve
every test without one test seeing another's charts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartops import helm as helm_mod
from chartops.charts import Chart, discover, get
from chartops.commands import REDACTED, Command
from chartops.package import package_charts
from chartops.paths import repo_root
from chartops.published import verify_published
from chartops.registry import (
    FAILED,
    PUSHED,
    REFUSED,
    REGISTRY_WIDE,
    SKIPPED,
    UP_TO_DATE,
    Credentials,
    Outcome,
    Registry,
    RegistryError,
    Retry,
    classify,
    failure_line,
    login_command,
    push_packages,
    remote_digest,
    run_helm,
    sha256_file,
    summary,
)
from tests.registry_server import (  # noqa: F401  (fixtures)
    PASSWORD,
    PULL,
    PUSH,
    USERNAME,
    FaultProxy,
    GpgKey,
    RegistryServer,
    fault_proxy,
    free_port,
    gpg_key,
    helm_home,
    plain_auth_registry,
    plain_registry,
    registry_dir,
    tls_registry,
)

pytestmark = pytest.mark.registry

NFS = "nfs-subdir-provisioner"
FAST = Retry(attempts=2, delay=0.05)
CREDS = Credentials(USERNAME, PASSWORD)


@pytest.fixture(scope="module")
def helm() -> helm_mod.Helm:
    return helm_mod.find()


@pytest.fixture(scope="module")
def packages(helm: helm_mod.Helm, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The small charts the registry tests publish: common (a library) and the nfs provisioner."""
    return package_charts(helm, [get("common"), get(NFS)], tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def changed_nfs(helm: helm_mod.Helm, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nfs chart with other content under the same version."""
    root = tmp_path_factory.mktemp("changed")
    shutil.copytree(get(NFS).path, root / NFS, symlinks=False)
    notes = root / NFS / "templates" / "NOTES.txt"
    notes.write_text(notes.read_text() + "\nA line that was not released.\n")
    service_account = root / NFS / "templates" / "serviceaccount.yaml"
    drifted = service_account.read_text().replace("metadata:", "metadata:\n  annotations: {drift: x}", 1)
    service_account.write_text(drifted)
    return package_charts(helm, [Chart(root / NFS)], root / "dist")[0]


def tls(server: RegistryServer, project: str) -> Registry:
    assert server.ca_file is not None
    return Registry(server.url(project), ca_file=server.ca_file)


def statuses(outcomes: list[Outcome]) -> dict[str, str]:
    return {o.chart: o.status for o in outcomes}


@pytest.fixture(scope="module")
def first_push(helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer,  # noqa: F811
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Outcome]]:
    home = tmp_path_factory.mktemp("helm-first")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HELM_REGISTRY_CONFIG", str(home / "registry.json"))
        mp.setenv("HELM_CACHE_HOME", str(home / "cache"))
        mp.setenv("HELM_CONFIG_HOME", str(home / "config"))
        yield push_packages(helm, tls(tls_registry, "apps"), packages, CREDS, FAST)


def test_first_push_publishes_every_chart(first_push: list[Outcome]) -> None:
    assert statuses(first_push) == {"common": PUSHED, NFS: PUSHED}


def test_a_pushed_chart_is_held_with_the_local_digest(
    helm: helm_mod.Helm, first_push: list[Outcome], packages: list[Path], tls_registry: RegistryServer,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    push_packages(helm, tls(tls_registry, "apps"), [], CREDS, FAST)  # log in only
    held = remote_digest(helm, tls(tls_registry, "apps"), NFS, get(NFS).version, FAST)
    assert held == sha256_file(packages[1])


def test_second_push_of_the_same_charts_publishes_nothing(
    helm: helm_mod.Helm, first_push: list[Outcome], packages: list[Path], tls_registry: RegistryServer,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    again = push_packages(helm, tls(tls_registry, "apps"), packages, CREDS, FAST)
    assert statuses(again) == {"common": UP_TO_DATE, NFS: UP_TO_DATE}
    assert "up to date" in summary(again)


def test_other_content_under_a_published_version_is_refused(
    helm: helm_mod.Helm, first_push: list[Outcome], packages: list[Path], changed_nfs: Path,
    tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "apps")
    (outcome,) = push_packages(helm, registry, [changed_nfs], CREDS, FAST)
    assert outcome.status == REFUSED
    assert f"bump `version` in charts/{NFS}/Chart.yaml" in outcome.detail
    assert remote_digest(helm, registry, NFS, get(NFS).version, FAST) == sha256_file(packages[1])


def test_a_wrong_password_fails_clearly_and_pushes_nothing(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "wrong-password")
    outcomes = push_packages(helm, registry, packages, Credentials(USERNAME, "not-the-password"), FAST)
    assert [o.status for o in outcomes] == [FAILED, SKIPPED]
    assert "refused the credentials (401)" in outcomes[0].detail
    assert "not-the-password" not in summary(outcomes)
    push_packages(helm, registry, [], CREDS, FAST)
    assert remote_digest(helm, registry, NFS, get(NFS).version, FAST) is None


def test_pushing_without_credentials_or_login_says_how_to_log_in(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    (first, _) = push_packages(helm, tls(tls_registry, "no-login"), packages, None, FAST)
    assert first.status == FAILED
    assert "set HARBOR_USERNAME and HARBOR_PASSWORD" in first.detail


def test_an_existing_helm_login_is_reused(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "reuse-login")
    subprocess.run(login_command(helm, registry, CREDS).argv, input=PASSWORD, text=True, check=True,
                   capture_output=True)
    assert statuses(push_packages(helm, registry, packages, None, FAST)) == {"common": PUSHED, NFS: PUSHED}


def test_an_unknown_ca_asks_for_the_ca_file(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    outcomes = push_packages(helm, Registry(tls_registry.url("no-ca")), packages, CREDS, FAST)
    assert outcomes[0].status == FAILED
    assert "--ca-file" in outcomes[0].detail


def test_a_registry_that_is_down_fails_clearly(
    helm: helm_mod.Helm, packages: list[Path], helm_home: Path,  # noqa: F811
) -> None:
    registry = Registry(f"oci://127.0.0.1:{free_port()}/apps", plain_http=True)
    outcomes = push_packages(helm, registry, packages, None, FAST)
    assert [o.status for o in outcomes] == [FAILED, SKIPPED]
    assert "cannot reach 127.0.0.1" in outcomes[0].detail
    assert "gave up after 2 attempts" in outcomes[0].detail


def test_a_plain_http_registry_takes_the_charts(
    helm: helm_mod.Helm, packages: list[Path], plain_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = Registry(plain_registry.url("apps"), plain_http=True)
    assert statuses(push_packages(helm, registry, packages, None, FAST)) == {"common": PUSHED, NFS: PUSHED}


def test_a_signed_chart_pulls_back_and_verifies(
    helm: helm_mod.Helm, plain_registry: RegistryServer, helm_home: Path, gpg_key: GpgKey,  # noqa: F811
    tmp_path: Path,
) -> None:
    signed = package_charts(helm, [get("common")], tmp_path / "dist", sign_key=gpg_key.name,
                            keyring=gpg_key.secret_keyring)
    registry = Registry(plain_registry.url("signed"), plain_http=True)
    (outcome,) = push_packages(helm, registry, signed, None, FAST)
    assert outcome.status == PUSHED and "with provenance" in outcome.detail
    (tmp_path / "pulled").mkdir()
    pulled = subprocess.run(
        [str(helm.path), "pull", registry.ref("common"), "--version", get("common").version, "--plain-http",
         "--verify", "--keyring", str(gpg_key.public_keyring), "--destination", str(tmp_path / "pulled")],
        capture_output=True, text=True, check=False,
    )
    assert pulled.returncode == 0, pulled.stderr
    assert (tmp_path / "pulled" / f"common-{get('common').version}.tgz.prov").is_file()


def test_verify_published_passes_when_the_registry_holds_these_charts(
    helm: helm_mod.Helm, first_push: list[Outcome], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = tls(tls_registry, "apps")
    push_packages(helm, registry, [], CREDS, FAST)
    verdicts = verify_published(helm, registry, [get("common"), get(NFS)], FAST)
    assert [(v.chart, v.ok) for v in verdicts] == [(NFS, True)], verdicts


def test_verify_published_fails_when_the_registry_holds_a_different_chart(
    helm: helm_mod.Helm, changed_nfs: Path, plain_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = Registry(plain_registry.url("drift"), plain_http=True)
    push_packages(helm, registry, [changed_nfs], None, FAST)
    (verdict,) = verify_published(helm, registry, [get(NFS)], FAST)
    assert not verdict.ok
    assert "ServiceAccount" in verdict.detail and "drift" in verdict.detail


def test_verify_published_names_a_chart_that_was_never_pushed(
    helm: helm_mod.Helm, plain_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    (verdict,) = verify_published(helm, Registry(plain_registry.url("empty"), plain_http=True), [get(NFS)], FAST)
    assert not verdict.ok and "is not published: run `invoke push`" in verdict.detail


def test_the_login_password_goes_through_stdin_and_never_shows(helm: helm_mod.Helm, tmp_path: Path) -> None:
    cmd = login_command(helm, Registry("oci://harbor.feng.org/apps"), CREDS)
    assert PASSWORD not in cmd.argv and PASSWORD not in cmd.show()
    assert cmd.stdin_secret == PASSWORD
    assert USERNAME in cmd.argv and REDACTED in cmd.show()


def test_a_dry_run_push_shows_the_login_with_the_password_redacted(tmp_path: Path) -> None:
    env = {**os.environ, "HARBOR_USERNAME": USERNAME, "HARBOR_PASSWORD": PASSWORD}
    out = subprocess.run(
        [sys.executable, "-m", "invoke", "--dry", "push", "--registry", "oci://harbor.feng.org/apps",
         "--chart", "common", "--dest", str(tmp_path)],
        cwd=repo_root(), env=env, capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert f"echo {REDACTED} | " in out.stdout and "--password-stdin" in out.stdout
    assert "'robot$ci'" in out.stdout
    assert PASSWORD not in out.stdout + out.stderr


@pytest.mark.parametrize("url", [f"oci://{USERNAME}:{PASSWORD}@harbor.feng.org/apps",
                                 f"{USERNAME}:{PASSWORD}@harbor.feng.org/apps"])
def test_a_registry_address_with_credentials_is_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(RegistryError) as err:
        Registry(url)
    assert "HARBOR_PASSWORD" in str(err.value) and PASSWORD not in str(err.value)


def test_a_registry_that_never_answers_is_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(self: Command, timeout: float = 300) -> None:
        raise subprocess.TimeoutExpired(list(self.argv), timeout)

    monkeypatch.setattr(Command, "run", hang)
    registry = Registry("oci://harbor.feng.org/apps")
    with pytest.raises(RegistryError) as err:
        run_helm(Command.of(["helm", "pull"]), registry, "reading common:0.1.0", Retry(attempts=2, delay=0))
    assert err.value.kind == "unreachable"
    assert "cannot reach harbor.feng.org" in str(err.value) and "gave up after 2 attempts" in str(err.value)


def test_transient_errors_are_retried_with_doubling_backoff() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RegistryError("transient", "connection reset")
        return "ok"

    assert Retry(attempts=4, delay=0.5).run(flaky, sleep=sleeps.append) == "ok"
    assert sleeps == [0.5, 1.0]


def test_errors_that_retrying_cannot_fix_are_not_retried() -> None:
    calls: list[int] = []

    def denied() -> None:
        calls.append(1)
        raise RegistryError("forbidden", "403")

    with pytest.raises(RegistryError):
        Retry(attempts=4, delay=0).run(denied, sleep=lambda _: None)
    assert len(calls) == 1


@pytest.mark.parametrize(("stderr", "kind"), [
    ('GET "https://h/v2/": response status code 401: unauthorized: authentication required', "auth"),
    ("POST https://h/v2/apps/x/blobs/uploads/: response status code 403: forbidden", "forbidden"),
    ("response status code 404: notfound: project apps not found", "not-found"),
    ("response status code 503: service unavailable", "transient"),
    ('Head "http://127.0.0.1:1/v2/x": dial tcp 127.0.0.1:1: connect: connection refused', "transient"),
    ("tls: failed to verify certificate: x509: certificate signed by unknown authority", "tls"),
    ('Get "https://h/v2/": http: server gave HTTP response to HTTPS client', "plain-http"),
    ("failed to perform \"FetchReference\" on source: h/apps/x:0.1.0: not found", "not-found"),
    ('GET "http://h/v2/apps/x/manifests/0.1.0": response status code 400: Bad Request', "https-only"),
])
def test_helm_registry_errors_are_classified(stderr: str, kind: str) -> None:
    assert classify(stderr) == kind


def test_plain_http_against_a_tls_registry_says_to_drop_the_flag(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    registry = Registry(tls_registry.url("plain-to-tls"), plain_http=True)
    outcomes = push_packages(helm, registry, packages, CREDS, FAST)
    assert [o.status for o in outcomes] == [FAILED, SKIPPED]
    assert "speaks https, not plain http" in outcomes[0].detail and "drop --plain-http" in outcomes[0].detail


def inv(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The delivery tasks as a user runs them (no HARBOR_* unless given)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=repo_root(), capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=600, check=False)


FAULTS = {
    # fault: (registry fixture or None for a closed port, flags, HARBOR_PASSWORD, what the message says)
    "down": (None, ["--plain-http"], None, "cannot reach 127.0.0.1"),
    "plain-http-to-tls": ("tls_registry", ["--plain-http"], PASSWORD, "drop --plain-http"),
    "https-to-plain-http": ("plain_registry", [], None, "speaks plain http: pass --plain-http"),
    "wrong-credentials": ("tls_registry", ["--ca-file"], "not-the-password", "refused the credentials (401)"),
    "unknown-ca": ("tls_registry", [], PASSWORD, "pass --ca-file"),
}


@pytest.mark.parametrize("task", ["push", "verify-published"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_delivery_tasks_explain_registry_faults_without_a_traceback(
    task: str, fault: str, packages: list[Path], helm_home: Path, request: pytest.FixtureRequest,  # noqa: F811
) -> None:
    fixture, flags, password, says = FAULTS[fault]
    server: RegistryServer | None = request.getfixturevalue(fixture) if fixture else None
    url = server.url(f"fault-{fault}") if server else f"oci://127.0.0.1:{free_port()}/apps"
    args = [task, "--registry", url, "--chart", NFS]
    for flag in flags:
        args += [flag, str(server.ca_file)] if flag == "--ca-file" and server else [flag]
    if task == "push":
        args += ["--dest", str(packages[0].parent)]
    env = {"HARBOR_USERNAME": USERNAME, "HARBOR_PASSWORD": password} if password else None
    out = inv(*args, env=env)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert says in out.stdout + out.stderr
    if password:
        assert password not in out.stdout + out.stderr


def test_package_and_push_twice_publishes_every_chart_once(
    plain_registry: RegistryServer, helm_home: Path, tmp_path: Path,  # noqa: F811
) -> None:
    """The README's promise: `inv package && inv push` again with nothing changed changes nothing."""
    push = ["push", "--registry", plain_registry.url("twice"), "--plain-http", "--dest", str(tmp_path)]
    charts = [c.name for c in discover()]

    def stored() -> dict[str, float]:
        data = plain_registry.directory / "data"
        return {str(p.relative_to(data)): p.stat().st_mtime for p in data.rglob("*") if "twice" in str(p)}

    for round_, status in ((1, PUSHED), (2, UP_TO_DATE)):
        packaged = inv("package", "--dest", str(tmp_path))
        assert packaged.returncode == 0, packaged.stderr
        before = stored()
        pushed = inv(*push)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        rows = [line.split() for line in pushed.stdout.splitlines()[1:] if line.strip()]
        assert {r[0] for r in rows} == set(charts)
        assert all(" ".join(r[3:]) == status for r in rows), (round_, pushed.stdout)
    assert stored() == before


# --- what Harbor answers when a robot lacks permission on one repository (403), partial pushes,
# and logins to a lab registry: skip-verify over TLS, credentials over plain http ---


def test_a_pull_denied_with_403_fails_that_chart_and_never_pushes_over_it(
    helm: helm_mod.Helm, packages: list[Path], fault_proxy: FaultProxy, plain_registry: RegistryServer,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    """Unreadable means unknown: the version may already hold other bytes, so it is not pushed blind."""
    fault_proxy.deny(f"pull403/{NFS}", PULL)
    outcomes = push_packages(helm, Registry(fault_proxy.url("pull403"), plain_http=True), packages, None, FAST)
    assert statuses(outcomes) == {"common": PUSHED, NFS: FAILED}
    nfs = outcomes[1]
    assert f"denied reading {NFS}:{get(NFS).version} (403)" in nfs.detail
    assert "give the robot account pull permission on project 'pull403'" in nfs.detail
    assert ("PUT", f"/v2/pull403/{NFS}/manifests/{get(NFS).version}") not in {(m, p) for m, p, _ in fault_proxy.seen}
    behind = Registry(plain_registry.url("pull403"), plain_http=True)
    assert remote_digest(helm, behind, NFS, get(NFS).version, FAST) is None
    assert remote_digest(helm, behind, "common", get("common").version, FAST) == sha256_file(packages[0])


def test_verify_published_names_the_403_on_pull(
    helm: helm_mod.Helm, fault_proxy: FaultProxy, helm_home: Path,  # noqa: F811
) -> None:
    fault_proxy.deny(f"verify403/{NFS}", PULL)
    with pytest.raises(RegistryError) as err:
        verify_published(helm, Registry(fault_proxy.url("verify403"), plain_http=True), [get(NFS)], FAST)
    assert err.value.kind == "forbidden" and "(403)" in str(err.value) and "pull permission" in str(err.value)


def test_a_push_denied_on_one_repository_fails_that_chart_and_pushes_the_rest(
    helm: helm_mod.Helm, packages: list[Path], fault_proxy: FaultProxy, plain_registry: RegistryServer,  # noqa: F811
    helm_home: Path,  # noqa: F811
) -> None:
    fault_proxy.deny("partial/common", PUSH)  # the first package: the second is still pushed
    outcomes = push_packages(helm, Registry(fault_proxy.url("partial"), plain_http=True), packages, None, FAST)
    assert statuses(outcomes) == {"common": FAILED, NFS: PUSHED}
    assert "denied pushing common" in outcomes[0].detail and "push and pull permission" in outcomes[0].detail
    table = summary(outcomes)
    assert f"common: {outcomes[0].detail}" in table
    line = failure_line(outcomes)
    assert f"common {get('common').version} failed" in line and NFS not in line and "1 pushed" in line
    behind = Registry(plain_registry.url("partial"), plain_http=True)
    assert remote_digest(helm, behind, "common", get("common").version, FAST) is None
    assert remote_digest(helm, behind, NFS, get(NFS).version, FAST) == sha256_file(packages[1])


def test_a_registry_wide_error_skips_the_rest_and_says_why(
    helm: helm_mod.Helm, packages: list[Path], helm_home: Path,  # noqa: F811
) -> None:
    outcomes = push_packages(helm, Registry(f"oci://127.0.0.1:{free_port()}/apps", plain_http=True), packages,
                             None, FAST)
    assert [o.status for o in outcomes] == [FAILED, SKIPPED]
    assert outcomes[1].detail == "not attempted after common failed"
    assert "unreachable" in REGISTRY_WIDE and "forbidden" not in REGISTRY_WIDE
    assert "common" in failure_line(outcomes) and "1 skipped" in failure_line(outcomes)


def test_inv_push_with_one_chart_denied_exits_1_and_names_it(
    fault_proxy: FaultProxy, helm_home: Path, tmp_path: Path,  # noqa: F811
) -> None:
    """Every chart from dist/, one refused by the registry: the others are published, the exit is 1,
    the table shows each chart's status and stderr names the one that failed."""
    packaged = inv("package", "--dest", str(tmp_path))
    assert packaged.returncode == 0, packaged.stderr
    fault_proxy.deny("partial-cli/wordpress", PUSH)
    out = inv("push", "--registry", fault_proxy.url("partial-cli"), "--plain-http", "--dest", str(tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    rows = {r.split()[0]: " ".join(r.split()[3:]) for r in out.stdout.split("\n\n")[0].splitlines()[1:]}
    assert rows.pop("wordpress") == FAILED
    assert set(rows.values()) == {PUSHED} and set(rows) == {c.name for c in discover()} - {"wordpress"}
    assert "wordpress: " in out.stdout and "denied pushing wordpress" in out.stdout
    assert f"push incomplete: wordpress {get('wordpress').version} failed" in out.stderr


def test_an_insecure_login_skips_verification_of_a_tls_registry(
    helm: helm_mod.Helm, packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    """No CA given: `helm registry login --insecure`, then pull and push with --insecure-skip-tls-verify."""
    registry = Registry(tls_registry.url("insecure"), insecure=True)
    login = login_command(helm, registry, CREDS)
    assert "--insecure" in login.argv and "--insecure-skip-tls-verify" not in login.argv
    assert statuses(push_packages(helm, registry, packages, CREDS, FAST)) == {"common": PUSHED, NFS: PUSHED}
    assert remote_digest(helm, tls(tls_registry, "insecure"), NFS, get(NFS).version, FAST) == sha256_file(packages[1])


def test_inv_push_insecure_skip_tls_verify_logs_in_and_publishes(
    packages: list[Path], tls_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    env = {"HARBOR_USERNAME": USERNAME, "HARBOR_PASSWORD": PASSWORD}
    out = inv("push", "--registry", tls_registry.url("insecure-cli"), "--insecure-skip-tls-verify", "--chart", NFS,
              "--dest", str(packages[1].parent), env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert PUSHED in out.stdout.splitlines()[1] and PASSWORD not in out.stdout + out.stderr


def test_a_login_over_plain_http_takes_the_credentials(
    helm: helm_mod.Helm, packages: list[Path], plain_auth_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    """A lab registry without TLS but with accounts: the login goes over http too (--plain-http)."""
    registry = Registry(plain_auth_registry.url("plain-login"), plain_http=True)
    assert "--plain-http" in login_command(helm, registry, CREDS).argv
    assert statuses(push_packages(helm, registry, packages, CREDS, FAST)) == {"common": PUSHED, NFS: PUSHED}
    wrong = push_packages(helm, registry, packages, Credentials(USERNAME, "not-the-password"), FAST)
    assert [o.status for o in wrong] == [FAILED, SKIPPED] and "refused the credentials (401)" in wrong[0].detail


def test_a_login_over_https_to_a_plain_http_registry_says_to_pass_plain_http(
    helm: helm_mod.Helm, packages: list[Path], plain_auth_registry: RegistryServer, helm_home: Path,  # noqa: F811
) -> None:
    outcomes = push_packages(helm, Registry(plain_auth_registry.url("https-login")), packages, CREDS, FAST)
    assert [o.status for o in outcomes] == [FAILED, SKIPPED]
    assert "speaks plain http: pass --plain-http" in outcomes[0].detail
