"""The upgrade tier: every chart, and the platform, upgraded from its previous release on a real API server.

For each case: install the chart's previous release (chartops.releases: the newest lower version in
git history, with that commit's `common` and ci values), upgrade to the working tree with those same
old values, upgrade again with the working tree's values, then `helm rollback` to the first revision.
After each step:
- the step succeeded and the release is deployed;
- every Secret the chart generates and keeps (`helm.sh/resource-policy: keep`) holds the same bytes,
  and with unchanged values (the first upgrade) every Secret of the release does;
- every PersistentVolumeClaim of the release's namespaces keeps its UID;
- no Deployment, StatefulSet or DaemonSet was deleted or re-created, unless CHANGELOG.md says so
  (a bullet naming the chart, its new version, the kind and "recreates").

Charts that share cluster-scoped objects with the platform (CRDs, the StorageClass, the IngressClass,
kube-system's DNS and metrics objects) run side by side in their own namespaces first; the platform's
cases follow, one after another, adopting what those left behind (`--take-ownership`, as its README
installs). A chart with no earlier version is listed in the test id as a new chart and gets an
install and a no-op upgrade instead.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chartops import releases
from chartops.charts import applications
from chartops.render import clean_stderr
from tests.cluster_helpers import Kube, kubeadm_coredns_objects, manifest_objects
from tests.helpers import ROOT

pytestmark = [pytest.mark.cluster]

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
# nobody serves MetalLB's webhook here (tests/test_controllers.py runs the real one)
NO_WEBHOOK = ("--set", "webhook.failurePolicy=Ignore")
# a first install sends custom resources as hooks right after their CRDs: --wait has helm wait until
# the CRDs are established
WAIT = ("--wait", "--timeout", "2m")
ADOPT = ("--take-ownership", "--force-conflicts")


@dataclass(frozen=True)
class Case:
    id: str
    chart: str
    values: str  # repo-relative, read from the previous release's tree and then from the working tree
    release: str
    namespace: str
    args: tuple[str, ...] = ()
    install_args: tuple[str, ...] = ()  # a first install's only


def _ci(chart: str, name: str, *args: str, namespace: str | None = None, install: tuple[str, ...] = ()) -> Case:
    return Case(chart, chart, f"charts/{chart}/ci/{name}-values.yaml", f"up-{chart}"[:30],
                namespace or f"up-{chart}", args, install)


# side by side: no two of these share a cluster-scoped object; a list is one lane, run in order
LANES: list[list[Case]] = [
    [_ci("metallb", "lab", *NO_WEBHOOK, install=WAIT)],
    [_ci("calico", "lab", install=WAIT)],
    [_ci("ingress-nginx", "lab")],
    [_ci("nfs-subdir-provisioner", "lab")],
    [_ci("coredns", "lab", *ADOPT, namespace="kube-system")],
    [_ci("metrics-server", "lab", namespace="kube-system")],
    [_ci("eck-operator", "lab"), _ci("elasticsearch", "lab")],
    [_ci("mysql", "backup")],
    [_ci("wordpress", "defaults")],
]
# then the umbrella, which holds the cluster-scoped objects of six of them
PLATFORM = [
    Case("platform-lab", "platform", "values/lab.yaml", "platform", "platform",
         (*ADOPT, "--set", "metallb.webhook.failurePolicy=Ignore"), WAIT),
    Case("platform", "platform", "charts/platform/ci/minimal-values.yaml", "platform-min", "platform",
         (*ADOPT, "--set", "metallb.webhook.failurePolicy=Ignore"), WAIT),
]
CASES = [case for lane in LANES for case in lane] + PLATFORM


def _describe(case: Case) -> str:
    previous = releases.previous(case.chart)
    current = releases.current_version(case.chart)
    return f"{case.id}:{previous.version}->{current}" if previous else f"{case.id}:new-chart-{current}"


# --- what an upgrade must keep ---


@dataclass
class State:
    workloads: dict[str, str]  # kind/ns/name -> uid
    claims: dict[str, str]  # ns/name -> uid
    secrets: dict[str, tuple[Any, bool]]  # ns/name -> (data, kept)


def state(kube: Kube, case: Case) -> State:
    """Three client calls: the release's manifest, its workloads and Secrets as they live, every claim."""
    refs = [o for o in manifest_objects(kube.helm("get", "manifest", case.release, "-n", case.namespace).stdout)
            if o["kind"] in (*WORKLOADS, "Secret")]
    objs = kube.live(refs, case.namespace)
    namespaces = {case.namespace} | {o["metadata"]["namespace"] for o in objs if o["metadata"].get("namespace")}
    workloads = {f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}": o["metadata"]["uid"]
                 for o in objs if o["kind"] in WORKLOADS}
    secrets = {f"{o['metadata']['namespace']}/{o['metadata']['name']}":
               (o.get("data"), (o["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") == "keep")
               for o in objs if o["kind"] == "Secret"}
    claims = {f"{c['metadata']['namespace']}/{c['metadata']['name']}": c["metadata"]["uid"]
              for c in kube.get("pvc", "-A")["items"] if c["metadata"]["namespace"] in namespaces}
    return State(workloads, claims, secrets)


def compare(before: State, after: State, step: str, all_secrets: bool, allowed: set[str]) -> list[str]:
    """What `step` broke, as sentences."""
    problems = []
    for key, uid in before.workloads.items():
        kind = key.split("/", 1)[0]
        if kind in allowed:
            continue
        if key not in after.workloads:
            problems.append(f"{step}: {key} was deleted (CHANGELOG.md does not say so)")
        elif after.workloads[key] != uid:
            problems.append(f"{step}: {key} was deleted and re-created (CHANGELOG.md does not say so)")
    for key, uid in before.claims.items():
        if after.claims.get(key) != uid:
            what = "is gone" if key not in after.claims else "was re-created"
            problems.append(f"{step}: PersistentVolumeClaim {key} {what}")
    for key, (data, kept) in before.secrets.items():
        if (kept or all_secrets) and key in after.secrets and after.secrets[key][0] != data:
            problems.append(f"{step}: Secret {key} changed its data" + (" (a generated, kept Secret)" if kept else ""))
        if kept and key not in after.secrets:
            problems.append(f"{step}: kept Secret {key} is gone")
    return problems


# --- one case ---


@dataclass
class Outcome:
    case: Case
    previous: releases.Release | None
    failures: list[str] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s for _, s in self.steps)


class StepFailed(Exception):
    pass


def _helm(kube: Kube, outcome: Outcome, step: str, *args: str) -> None:
    started = time.monotonic()
    proc = kube.helm(*args, timeout=300, check=False)
    outcome.steps.append((step, time.monotonic() - started))
    if proc.returncode != 0:
        outcome.failures.append(f"{step} failed (helm {' '.join(args[:2])}): {clean_stderr(proc.stderr).strip()}")
        raise StepFailed(step)


def run_case(kube: Kube, case: Case, scratch: Path) -> Outcome:
    previous = releases.previous(case.chart)
    outcome = Outcome(case, previous)
    current_chart, current_values = str(ROOT / "charts" / case.chart), str(ROOT / case.values)
    where = ("-n", case.namespace)
    try:
        if previous is None:
            _helm(kube, outcome, "install (new chart)", "install", case.release, current_chart, *where,
                  "--create-namespace", "-f", current_values, *case.args, *case.install_args)
            before = state(kube, case)
            _helm(kube, outcome, "no-op upgrade", "upgrade", case.release, current_chart, *where, "-f", current_values,
                  *case.args)
            outcome.failures += compare(before, state(kube, case), "no-op upgrade", True, set())
        else:
            old = releases.extract(previous, scratch)
            old_values = old / case.values
            if not old_values.is_file():
                outcome.failures.append(f"{previous.describe()} has no {case.values}: pick a ci file both versions have")
                return outcome
            allowed = releases.changelog_recreates(case.chart, releases.current_version(case.chart), WORKLOADS)
            _helm(kube, outcome, f"install {previous.version}", "install", case.release, str(old / "charts" / case.chart),
                  *where, "--create-namespace", "-f", str(old_values), *case.args, *case.install_args)
            before = state(kube, case)
            steps = [("upgrade with the previous values", old_values), ("upgrade with the current values", ROOT / case.values)]
            if old_values.read_bytes() == (ROOT / case.values).read_bytes():
                steps = [("upgrade (the values did not change)", old_values)]
            for step, values in steps:
                _helm(kube, outcome, step, "upgrade", case.release, current_chart, *where, "-f", str(values), *case.args)
                outcome.failures += compare(before, state(kube, case), step, values == old_values, allowed)
            _helm(kube, outcome, f"rollback to {previous.version}", "rollback", case.release, "1", *where)
            outcome.failures += compare(before, state(kube, case), f"rollback to {previous.version}", False, allowed)
    except StepFailed:
        pass
    finally:
        kube.helm("uninstall", case.release, *where, check=False)
    return outcome


# --- the tier ---


@pytest.fixture(scope="module")
def upgrade_cluster(fresh: Kube) -> Kube:
    """The tier's own plane ("upgrade", tests/conftest.py), fresh, with what the lab starts with:
    kubeadm's DNS objects."""
    fresh.create(kubeadm_coredns_objects(), manager="kubeadm")
    return fresh


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="chartops-releases-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def outcomes(upgrade_cluster: Kube, scratch: Path) -> dict[str, Outcome]:
    """Every case: the lanes side by side, then the platform's cases one after another."""
    def lane(cases: list[Case]) -> list[Outcome]:
        return [run_case(upgrade_cluster, case, scratch) for case in cases]

    found: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in pool.map(lane, LANES):
            found.update({o.case.id: o for o in done})
    for done_one in lane(PLATFORM):
        found[done_one.case.id] = done_one
    return found


def test_every_chart_and_the_platform_have_a_case() -> None:
    """Every chart with a release before this one (a new chart, e.g. traefik in 0.3.0, has nothing to
    upgrade from until its first release is in the history)."""
    released = sorted(c.name for c in applications() if releases.previous(c.name) is not None)
    assert sorted({c.chart for c in CASES}) == released
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=_describe)
def test_upgrade_from_the_previous_release(outcomes: dict[str, Outcome], case: Case) -> None:
    outcome = outcomes[case.id]
    timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in outcome.steps)
    assert not outcome.failures, f"{case.id} ({timings}):\n" + "\n".join(outcome.failures)
    print(f"{case.id}: {outcome.seconds:.1f} s ({timings})")
