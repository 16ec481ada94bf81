"""Consumption from the registry, as teams do it, on the built-in control plane (plane `flux`).

A registry runs inside the plane's loopback-only network namespace the way Harbor would run beside a
cluster: Debian's docker-registry (the distribution server Harbor embeds) at a pod-range address,
TLS from a throwaway CA, robot accounts `robot$apps+ci` (push) and `robot$apps+pull`. The charts are
packaged, pushed and cosign-signed by the delivery tasks themselves (`invoke push`), then:

- installed with the README's own commands (helm registry login, helm install oci://… --version X
  with the lab's values), and upgraded with its upgrade commands to the next pushed version;
- installed by Flux: the real source-controller and helm-controller, run by the harness as the pods of
  chartops/testbed/controllers/flux-system.yaml, reconcile the lab's site (gitops.objects) pulled from
  that registry with cosign verification on; they upgrade after a push and refuse an unsigned and a
  re-signed chart.

MetalLB's pools go through its webhook (failurePolicy Fail), so the real MetalLB controller runs as the
platform's pod in both (kwok reports it Ready before it serves: see _past_kwok_readiness).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from chartops import bench, cosign, gitops, sites
from chartops.charts import Chart, discover, get
from chartops.package import package_charts
from chartops.registry import PUSHED, Credentials, Outcome, Registry, push_packages
from chartops.testbed import admission, controllers, harness, netns
from chartops.testbed.controllers import flux
from chartops.testbed.harness import Running
from tests.cluster_helpers import Kube, kubeadm_coredns_objects
from tests.helpers import ROOT, renderer
from tests.registry_server import RegistryServer, start_registry

pytestmark = [pytest.mark.cluster, pytest.mark.registry]

REGISTRY_IP = "10.244.255.250"  # in the pod range (pods reach it through the harness), far above kwok's pod IPs
PUSHER, PUSH_SECRET = "robot$apps+ci", "ci $ecret 'with' quotes"
PULLER, PULL_SECRET = "robot$apps+pull", "pull-$ecret"
COSIGN_PASSWORD = "key pass$word"
LAB = sites.get("lab")
LAB_CHARTS = sorted({r.chart for r in LAB.releases})

Obj = dict[str, Any]


def _next(version: str, step: int = 1) -> str:
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + step}"


@dataclass
class Bed:
    kube: Kube
    registry: RegistryServer
    work: Path
    keys: Path  # cosign.key, cosign.pub, other.key, other.pub
    dist: dict[str, Path] = field(default_factory=dict)  # "current", "next", ... -> directory of packages
    runs: list[Running] = field(default_factory=list)
    standins: list[admission.AllowAll] = field(default_factory=list)

    @property
    def ca(self) -> Path:
        assert self.registry.ca_file is not None
        return self.registry.ca_file

    def url(self, project: str) -> str:
        return f"oci://{REGISTRY_IP}/{project}"

    def inv(self, *args: str, password: str = PUSH_SECRET, cosign_password: str = COSIGN_PASSWORD,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """A delivery task as CI runs it: credentials and the key password only in the environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HARBOR_", "COSIGN_"))}
        env |= {"HARBOR_USERNAME": PUSHER, "HARBOR_PASSWORD": password, "COSIGN_PASSWORD": cosign_password,
                "DOCKER_CONFIG": str(self.work / "no-docker-config")}
        out = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=900, check=False)
        assert password not in out.stdout + out.stderr and cosign_password not in out.stdout + out.stderr
        if check:
            assert out.returncode == 0, out.stdout + out.stderr
        return out

    def push(self, project: str, dist: str,
             sign_with: str | None = "cosign") -> subprocess.CompletedProcess[str] | list[Outcome]:
        """The current packages through `invoke push` as CI runs it; the later versions (other version
        numbers than charts/ holds, so the task would not find them) through the same code in-process."""
        args = ["push", "--registry", self.url(project), "--ca-file", str(self.ca), "--dest", str(self.dist[dist])]
        if dist == "current":
            return self.inv(*args, *(["--cosign-key", str(self.keys / f"{sign_with}.key")] if sign_with else []))
        registry = Registry(self.url(project), ca_file=self.ca)
        packages = sorted(self.dist[dist].glob("*.tgz"))
        creds = Credentials(PUSHER, PUSH_SECRET)
        saved = {k: os.environ.get(k) for k in ("HELM_REGISTRY_CONFIG", "COSIGN_PASSWORD")}
        os.environ |= {"HELM_REGISTRY_CONFIG": str(self.work / "helm-registry-ci.json"),
                       "COSIGN_PASSWORD": COSIGN_PASSWORD}
        try:
            if sign_with is None:
                outcomes = push_packages(renderer().helm, registry, packages, creds)
            else:
                with cosign.signing(registry, creds, cosign.SigningKey(path=self.keys / f"{sign_with}.key")) as sign:
                    outcomes = push_packages(renderer().helm, registry, packages, creds, sign=sign)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        assert all(o.status == PUSHED for o in outcomes), outcomes
        assert [o.signature for o in outcomes] == ["signed" if sign_with else ""] * len(outcomes), outcomes
        return outcomes


def _cosign_pair(cosign: Path, directory: Path, name: str) -> None:
    directory.mkdir(exist_ok=True)
    subprocess.run([str(cosign), "generate-key-pair", "--output-key-prefix", name], cwd=directory, check=True,
                   env={**os.environ, "COSIGN_PASSWORD": COSIGN_PASSWORD}, capture_output=True)


def _bumped(chart: str, version: str, root: Path) -> Chart:
    """A copy of the chart (subcharts embedded) under another version, as the next release would be."""
    target = root / chart
    shutil.copytree(ROOT / "charts" / chart, target, symlinks=False)
    meta = target / "Chart.yaml"
    meta.write_text(re.sub(r"^version: .*$", f"version: {version}", meta.read_text(), count=1, flags=re.M))
    return Chart(target)


@pytest.fixture(scope="module")
def bed(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    if not kube.builtin:
        pytest.skip("the in-cluster registry and Flux need the built-in control plane (KUBECONFIG unset)")
    cosign_binary = cosign.binary()  # built by `invoke tools`, as the controllers below
    controllers.get("metallb").built()
    work = tmp_path_factory.mktemp("delivery")
    registry = start_registry(work / "registry", tls=True, address=REGISTRY_IP, port=443, username=PUSHER,
                              password=PUSH_SECRET, more_users={PULLER: PULL_SECRET})
    pods = netns.pod_network()
    pods.register(REGISTRY_IP, pods.home)  # pods dial it like a pod: the harness relays them into the plane
    keys = work / "keys"
    _cosign_pair(cosign_binary, keys, "cosign")
    _cosign_pair(cosign_binary, keys, "other")
    bed = Bed(kube, registry, work, keys)
    helm = renderer().helm
    bed.dist["current"] = work / "dist"
    package_charts(helm, discover(), bed.dist["current"])
    for step, name in ((1, "next"), (2, "unsigned"), (3, "resigned")):
        bed.dist[name] = work / f"dist-{name}"
        charts = LAB_CHARTS if name == "next" else ["wordpress"]
        package_charts(helm, [_bumped(c, _next(get(c).version, step), work / f"src-{name}") for c in charts],
                       bed.dist[name])
    os.environ["HELM_REGISTRY_CONFIG"] = str(work / "helm-registry.json")  # never the user's own login
    try:
        yield bed
    finally:
        os.environ.pop("HELM_REGISTRY_CONFIG", None)
        harness.stop_all()
        for standin in bed.standins:
            standin.stop()
        pods.forget(REGISTRY_IP)
        registry.stop()


def _fresh(bed: Bed) -> Kube:
    from chartops.testbed import plane

    harness.stop_all()
    while bed.standins:
        bed.standins.pop().stop()
    plane.up(fresh=True, plane=bed.kube.plane)
    bed.kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    return bed.kube


def _no_forbidden(runs: list[Running]) -> None:
    found = list(harness.iter_problems(runs))
    assert not found, "controller logs show misconfiguration:\n" + "\n".join(found)


def _metallb_ready(kube: Kube, run: Running) -> None:
    run.wait_ready()
    kube.wait_for("the CA in MetalLB's webhook configuration", lambda: all(
        w["clientConfig"].get("caBundle") for w in
        kube.get("validatingwebhookconfiguration", "metallb-webhook-configuration")["webhooks"]))
    time.sleep(netns.PodNetwork.SETTLE)


# --- the README's commands ---


def _readme_blocks() -> list[list[str]]:
    """The console blocks of README's "Installing from Harbor": login + installs, then upgrades."""
    text = (ROOT / "README.md").read_text().split("### Installing from Harbor", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    return [[" ".join(line.split()) for line in b.replace("\\\n", " ").splitlines() if line.strip()] for b in blocks]


def test_the_readme_installs_every_release_of_the_lab_site() -> None:
    """The README's consumer commands are the lab site's releases: the same names, namespaces, charts and
    values files Flux uses, each at a pinned version from the registry."""
    install, upgrade = _readme_blocks()
    assert install[0].startswith("helm registry login harbor.feng.org --username 'robot$apps+pull' --password-stdin")
    for block, verb in ((install[1:], "install"), (upgrade, "upgrade")):
        assert len(block) == len(LAB.releases)
        for line, release in zip(block, LAB.releases, strict=True):
            argv = [a for a in shlex.split(line) if a != "--install"]
            assert argv[1] in (verb, "upgrade") and argv[2] == release.name, line
            assert argv[3] == f"oci://harbor.feng.org/apps/{release.chart}", line
            assert argv[argv.index("--version") + 1], line
            assert [argv[i + 1] for i, a in enumerate(argv) if a == "-f"] == list(release.values_files), line
            namespace = argv[argv.index("-n") + 1] if "-n" in argv else "default"
            assert namespace == release.namespace, line


def _as_here(line: str, bed: Bed, versions: dict[str, str]) -> tuple[list[str], str | None]:
    """A README line made to run here: the registry's address and CA, the version pushed for the chart,
    the robot secret on stdin."""
    argv = shlex.split(line.replace("harbor.feng.org", REGISTRY_IP))
    secret = None
    if "<" in argv:
        argv, secret = argv[:argv.index("<")], PULL_SECRET
    argv = [str(bed.ca) if a == "harbor-ca.crt" else a for a in argv]
    if "--version" in argv:
        chart = next(a for a in argv if a.startswith("oci://")).rsplit("/", 1)[1]
        argv[argv.index("--version") + 1] = versions[chart]
    assert argv[0] == "helm"
    return argv[1:], secret


def _helm(bed: Bed, argv: list[str], secret: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    return bed.kube.run([str(renderer().helm.path), *argv], input=secret, check=check, timeout=900)


def _past_kwok_readiness(bed: Bed, argv: list[str], metallb: harness.Launch) -> Running:
    """The platform's install sends MetalLB's pools through its webhook. kwok reports the controller Ready
    as soon as its pod exists, before the real controller has put its CA into the webhook configuration,
    so a first attempt can fail on exactly that; the same `helm upgrade --install` then runs once more,
    what a user does when a webhook was not ready yet."""
    first = _helm(bed, argv, check=False)
    run = metallb.wait()
    if first.returncode != 0:
        assert re.search(r'failed calling webhook "\w+validationwebhook\.metallb\.io".*'
                         r"(x509: certificate signed by unknown authority|connection refused|EOF)",
                         first.stderr), first.stderr[-3000:]
        _metallb_ready(bed.kube, run)
        _helm(bed, argv)
    return run


def _ingress_webhook(bed: Bed) -> admission.AllowAll:
    """ingress-nginx's controller (nginx with Lua) cannot run here, so a stand-in answers its admission
    webhook, with the certificate the platform generated, at the port the webhook Service targets."""
    kube = bed.kube

    def slices() -> list[Obj]:
        found = kube.get("endpointslices", "-n", "ingress-nginx", "-l",
                         "kubernetes.io/service-name=platform-ingress-nginx-controller-admission")["items"]
        return [s for s in found if s.get("ports")]

    kube.wait_for("ingress-nginx's admission Secret and endpoints", lambda: bool(
        kube.exists("secret", "platform-ingress-nginx-admission", "-n", "ingress-nginx") and slices()), 300)
    secret = kube.get("secret", "platform-ingress-nginx-admission", "-n", "ingress-nginx")["data"]
    port = int(slices()[0]["ports"][0]["port"])
    standin = admission.allow_all(base64.b64decode(secret["tls.crt"]), base64.b64decode(secret["tls.key"]), port)
    bed.standins.append(standin)
    return standin


def _deployed(bed: Bed, release: str, namespace: str) -> str:
    """The chart version of the release's deployed revision (helm list), without the digest Flux appends
    as build metadata to an OCI chart's version."""
    listed = json.loads(_helm(bed, ["list", "-n", namespace, "-o", "json", "--filter", f"^{release}$"]).stdout)
    assert [r["status"] for r in listed] == ["deployed"], listed
    return str(listed[0]["chart"]).rsplit("-", 1)[1].split("+", 1)[0]


def test_install_from_the_registry_as_the_readme_says_then_upgrade(bed: Bed) -> None:
    kube = _fresh(bed)
    current = {c: get(c).version for c in LAB_CHARTS}
    started = time.monotonic()
    pushed = bed.push("apps", "current")
    bench.record(f"push + sign {len(discover())} charts", time.monotonic() - started)
    assert isinstance(pushed, subprocess.CompletedProcess)
    assert "SIGNATURE" in pushed.stdout and pushed.stdout.count(" signed") == len(discover()), pushed.stdout
    started = time.monotonic()
    published = bed.inv("verify-published", "--registry", bed.url("apps"), "--ca-file", str(bed.ca),
                        "--cosign-pub", str(bed.keys / "cosign.pub"))
    bench.record("verify-published (renders + signatures)", time.monotonic() - started)
    assert published.stdout.count("signed with cosign.pub") == len(discover()), published.stdout

    install, upgrade = _readme_blocks()
    login, secret = _as_here(install[0], bed, current)
    _helm(bed, login, secret)
    metallb = harness.launch("metallb", "metallb-system", "Deployment", "platform-metallb-controller")
    platform, _ = _as_here(install[1], bed, current)
    bed.runs.append(_past_kwok_readiness(bed, platform, metallb))
    webhook = _ingress_webhook(bed)
    for line in install[2:]:
        _helm(bed, _as_here(line, bed, current)[0])
    for release in LAB.releases:
        assert _deployed(bed, release.name, release.namespace) == current[release.chart]
    pools = kube.get("ipaddresspools.metallb.io", "-n", "metallb-system")["items"]
    assert [p["metadata"]["name"] for p in pools] == ["lab-pool"]
    assert ("Ingress", "wordpress") in {(r["kind"]["kind"], r["namespace"]) for r in webhook.seen}

    bed.push("apps", "next")
    following = {c: _next(v) for c, v in current.items()}
    for line in upgrade:
        _helm(bed, _as_here(line, bed, following)[0])
    for release in LAB.releases:
        assert _deployed(bed, release.name, release.namespace) == following[release.chart]
    _no_forbidden(bed.runs)


def test_registry_mistakes_fail_with_the_tasks_clear_messages(bed: Bed) -> None:
    """A wrong (or expired) robot secret: 401, said as such; a registry address without a project: refused
    before anything runs; a chart that is not in the project: named."""
    wrong = bed.inv("push", "--registry", bed.url("apps"), "--ca-file", str(bed.ca), "--dest",
                    str(bed.dist["current"]), "--chart", "common", password="expired-secret", check=False)
    assert wrong.returncode == 1
    assert f"{REGISTRY_IP} refused the credentials (401)" in wrong.stdout + wrong.stderr
    assert "robot secrets expire" in wrong.stdout + wrong.stderr
    bare = bed.inv("push", "--registry", f"oci://{REGISTRY_IP}", "--dest", str(bed.dist["current"]), check=False)
    assert bare.returncode == 2 and "is not oci://HOST/PROJECT" in bare.stderr
    missing = bed.inv("verify-published", "--registry", bed.url("nowhere"), "--ca-file", str(bed.ca),
                      "--chart", "wordpress", check=False)
    assert missing.returncode == 1
    assert f"oci://{REGISTRY_IP}/nowhere/wordpress:{get('wordpress').version} is not published" in missing.stdout


# --- Flux ---


def _secrets(bed: Bed, password: str = PULL_SECRET) -> list[Obj]:
    auth = base64.b64encode(f"{PULLER}:{password}".encode()).decode()
    docker = json.dumps({"auths": {REGISTRY_IP: {"username": PULLER, "password": password, "auth": auth}}})

    def secret(name: str, data: dict[str, str], kind: str = "Opaque") -> Obj:
        return {"apiVersion": "v1", "kind": "Secret", "type": kind,
                "metadata": {"name": name, "namespace": flux.NAMESPACE},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}

    return [secret(LAB.pull_secret, {".dockerconfigjson": docker}, "kubernetes.io/dockerconfigjson"),
            secret(LAB.ca_secret, {"ca.crt": bed.ca.read_text()}),
            secret(LAB.cosign_secret, {"cosign.pub": (bed.keys / "cosign.pub").read_text()})]


def _flux_get(kube: Kube, kind: str, name: str) -> Obj:
    return kube.get(kind, name, "-n", flux.NAMESPACE)


def _patch(kube: Kube) -> Any:
    def patch(kind: str, namespace: str, name: str, body: Obj) -> None:
        kube.kubectl("patch", kind, name, "-n", namespace, "--type", "merge", "-p", json.dumps(body))
    return patch


def _history_version(hr: Obj) -> str:
    """The chart version of the release's last install or upgrade. Flux records an OCI chart's version with
    the artifact digest as build metadata (0.3.0+e1a6c75482e1): the version is what precedes it."""
    history = (hr.get("status") or {}).get("history") or []
    return str(history[0].get("chartVersion", "")).split("+", 1)[0] if history else ""


def _all_ready(kube: Kube, versions: dict[str, str], nudge: list[float] | None = None) -> bool:
    """Every lab HelmRelease Ready at its version. With nudge (the time of the last one), a release whose
    last attempt failed is retried now, as `flux reconcile helmrelease --force` would, at most every 10 s,
    instead of after its retryInterval (a first attempt can meet a webhook the harness had not started)."""
    pending = []
    for release in LAB.releases:
        hr = _flux_get(kube, "helmrelease", release.name)
        if not flux.ready(hr) or _history_version(hr) != versions[release.chart]:
            pending.append(hr)
    if nudge is not None and time.monotonic() - nudge[0] > 10:
        for hr in pending:
            if flux.condition(hr, "Ready").get("reason") in ("InstallFailed", "UpgradeFailed", "RetriesExceeded"):
                flux.request_reconcile(_patch(kube), "helmrelease", hr["metadata"]["name"], force=True)
                nudge[0] = time.monotonic()
    return not pending


def _reconcile_sources(kube: Kube, names: list[str]) -> None:
    for name in names:
        flux.request_reconcile(_patch(kube), "ocirepository", name)


def _describe(kube: Kube) -> str:
    out = []
    for kind in ("ocirepository", "helmrelease"):
        for o in kube.get(kind, "-n", flux.NAMESPACE)["items"]:
            conds = {c["type"]: (c["status"], c.get("message", "")[:300]) for c in o["status"].get("conditions", [])}
            out.append(f"{kind}/{o['metadata']['name']}: {conds}")
    return "\n".join(out)


def test_flux_installs_the_lab_from_the_registry_upgrades_and_refuses_bad_signatures(bed: Bed) -> None:
    for c in flux.CONTROLLERS:
        c.built()
    kube = _fresh(bed)
    current = {c: get(c).version for c in LAB_CHARTS}
    bed.push("fleet", "current")

    # Flux itself: its CRDs from the pinned modules, its controllers as the pods of flux-system.yaml
    kube.apply(flux.crds())
    kube.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    kube.apply(flux.manifest())
    bed.runs.append(source := harness.start(flux.SOURCE, flux.NAMESPACE, "Deployment", "source-controller"))
    bed.runs.append(helm_ctl := harness.start(flux.HELM, flux.NAMESPACE, "Deployment", "helm-controller"))
    source.wait_ready()
    helm_ctl.wait_ready()

    # the lab's site, pulling from this registry's project `fleet`
    site = replace(LAB, registry=bed.url("fleet"))
    kube.apply(_secrets(bed))
    metallb = harness.launch("metallb", "metallb-system", "Deployment", "platform-metallb-controller")
    kube.apply(gitops.objects(site))
    run = metallb.wait(300)
    bed.runs.append(run)
    _metallb_ready(kube, run)
    webhook = _ingress_webhook(bed)
    nudge = [0.0]
    try:
        flux.wait("every HelmRelease of the lab Ready", lambda: _all_ready(kube, current, nudge), 420, 2)
    except Exception as err:
        raise AssertionError(f"{err}\n{_describe(kube)}") from None
    for release in LAB.releases:
        assert _deployed(bed, release.name, release.namespace) == current[release.chart]
        source_status = _flux_get(kube, "ocirepository", release.name)["status"]
        assert flux.condition({"status": source_status}, "SourceVerified")["status"] == "True"
    assert [p["metadata"]["name"] for p in kube.get("ipaddresspools.metallb.io", "-n", "metallb-system")["items"]] \
        == ["lab-pool"]
    assert ("Ingress", "wordpress") in {(r["kind"]["kind"], r["namespace"]) for r in webhook.seen}

    # a push of the next versions: Flux verifies and upgrades every release
    following = {c: _next(v) for c, v in current.items()}
    started = time.monotonic()
    bed.push("fleet", "next")
    _reconcile_sources(kube, [r.name for r in LAB.releases])
    try:
        flux.wait("every HelmRelease upgraded", lambda: _all_ready(kube, following), 300, 1)
    except Exception as err:
        raise AssertionError(f"{err}\n{_describe(kube)}") from None
    bench.record(f"Flux: push of {len(LAB.releases)} releases to all Ready", time.monotonic() - started)

    # an unsigned chart, then one signed with another key: refused at the source, nothing applied
    wordpress = LAB.release("wordpress")
    for dist, sign_with, version in (("unsigned", None, _next(current["wordpress"], 2)),
                                     ("resigned", "other", _next(current["wordpress"], 3))):
        revisions = len(json.loads(_helm(bed, ["history", "wordpress", "-n", wordpress.namespace, "-o",
                                               "json"]).stdout))
        bed.push("fleet", dist, sign_with=sign_with)
        token = flux.request_reconcile(_patch(kube), "ocirepository", "wordpress")

        def refused(token: str = token) -> Obj | None:
            status = _flux_get(kube, "ocirepository", "wordpress").get("status") or {}
            verified = flux.condition({"status": status}, "SourceVerified")
            handled = status.get("lastHandledReconcileAt") == token
            return verified if handled and verified.get("status") == "False" else None

        verified = flux.wait(f"the {dist} chart {version} refused", refused, 120, 1)
        assert verified["reason"] == "VerificationError", verified
        assert "failed to verify the signature using provider 'cosign'" in verified["message"], verified
        ready = flux.condition(_flux_get(kube, "ocirepository", "wordpress"), "Ready")
        assert ready["status"] == "False", ready
        time.sleep(3)  # room for a wrong upgrade to start, had helm-controller been handed the chart
        assert _deployed(bed, "wordpress", wordpress.namespace) == following["wordpress"]
        assert len(json.loads(_helm(bed, ["history", "wordpress", "-n", wordpress.namespace, "-o",
                                          "json"]).stdout)) == revisions
        assert _history_version(_flux_get(kube, "helmrelease", "wordpress")) == following["wordpress"]

    # a robot secret that expired: the source says 401
    expired = _secrets(bed, password="expired")[0]
    expired["metadata"]["name"] = "harbor-pull-expired"
    stale_source = gitops.oci_repository(replace(site, pull_secret="harbor-pull-expired"), LAB.release("mysql"))
    stale_source["metadata"]["name"] = "mysql-expired"
    kube.apply([expired, stale_source])

    def unauthorized() -> Obj | None:
        ready = flux.condition(_flux_get(kube, "ocirepository", "mysql-expired"), "Ready")
        return ready if ready.get("status") == "False" and ready.get("message") else None

    failed = flux.wait("the expired robot secret refused", unauthorized, 120, 1)
    assert "401" in failed["message"] or "unauthorized" in failed["message"].lower(), failed

    _no_forbidden(bed.runs)


def test_every_site_is_accepted_by_the_api_server(bed: Bed) -> None:
    """Both sites' Flux objects pass the API server's own validation of Flux's CRDs (strict, dry run)."""
    kube = bed.kube
    if not kube.exists("crd", "helmreleases.helm.toolkit.fluxcd.io"):
        kube.apply(flux.crds())
        kube.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": flux.NAMESPACE}})
    for site in sites.load_all():
        body = "".join((ROOT / "gitops" / site.name / f).read_text() for f in ("sources.yaml", "releases.yaml"))
        # --force-conflicts: the install test before this one may have applied the lab's objects itself
        kube.kubectl("apply", "--server-side", "--force-conflicts", "--dry-run=server", "--validate=strict",
                     "-f", "-", input=body)
