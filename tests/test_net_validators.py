"""The real validators as the oracle for the metallb and coredns charts (issue 22).

- Every MetalLB configuration the charts render (each ci scenario, values/lab.yaml through the
  umbrella, the accepted cases of tests/test_metallb.py) is created object by object against MetalLB's
  own webhook, run from the chart's controller pod in the backend mode the render sets
  (METALLB_BGP_TYPE). A render the webhook refuses but the chart accepted fails, naming the case.
- Each refusal of the chart is matched the other way round: the objects the chart would have
  rendered (assembled from renders it does accept, or patched) are refused by the webhook too. So in
  native mode every FRR-only field the chart names is one the webhook refuses.
- Every Corefile the coredns chart renders (each ci scenario, the lab's, the accepted cases of
  tests/test_coredns.py) is started with the real CoreDNS binary; the values the chart refuses for
  CoreDNS's own rules are refused by CoreDNS too, when written into a Corefile by hand.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from chartops.testbed import controllers, harness, netns
from chartops.testbed.api import Api
from chartops.testbed.controllers import coredns, metallb
from tests import test_coredns as coredns_cases
from tests import test_metallb as metallb_cases
from tests.cluster_helpers import Kube
from tests.helpers import ROOT, containers, of_kind, one, render

cluster = pytest.mark.cluster
Obj = dict[str, Any]

NAMESPACE = "metallb-system"
RELEASE = "metallb"


# --- MetalLB: the cases, from renders the chart accepts ----------------------------------------------
# Cases are built lazily (rendered when they run, through the session's render cache), so collecting
# this module renders nothing.


def _mode(objs: list[Obj]) -> str:
    """The backend the render runs: its controller's METALLB_BGP_TYPE (frr-k8s validates as frr)."""
    deploy = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-controller")
                  and "metallb" in o["metadata"]["name"])
    env = {e["name"]: e.get("value") for e in containers(deploy)[0].get("env", [])}
    return "native" if env["METALLB_BGP_TYPE"] == "native" else "frr"


@dataclass(frozen=True)
class Case:
    id: str
    mode: str  # the webhook's backend: "frr" or "native" (checked against the render's own)
    build: Callable[[], list[Obj]] = field(compare=False)  # the rendered objects, in the hooks' order
    blind: bool = False  # the webhook cannot see it (WEBHOOK_BLIND)


# Refused by the chart, but let through by MetalLB v0.16.1's webhook, which skips BFDProfiles (it only
# checks their namespace) and peers with disableMP (it returns a deprecation warning first), and blanks
# every peer's bfdProfile before it validates (resetTransientErrorsFields). The speakers refuse these
# when they load the configuration (DiscardFRROnly in native mode, validateConfig's BFD-echo rule; their
# ConfigurationState turns Invalid), and the speaker is not run here: the chart is right to refuse them
# first. Asserted as the webhook's blind spots, so a MetalLB whose webhook learns them shows up here.
WEBHOOK_BLIND = {"native-refuses-bfd-profiles", "native-refuses-bfd-profile-and-profiles",
                 "native-refuses-disable-mp", "frr-refuses-bfd-echo-ipv6"}


def _declared_mode(values: dict[str, Any] | None, files: tuple[str, ...] = ()) -> str:
    """The backend the values choose, read without rendering (the chart's default is FRR)."""
    frr, external = True, False
    for doc in [yaml.safe_load((ROOT / f).read_text()) or {} for f in files] + [values or {}]:
        doc = doc.get("metallb", doc) if "metallb" in doc else doc
        frr = bool(((doc.get("speaker") or {}).get("frr") or {}).get("enabled", frr))
        external = bool((doc.get("frrk8s") or {}).get("external", external))
    return "frr" if frr or external else "native"


def _rendered(case_id: str, values: dict[str, Any] | None = None, files: tuple[str, ...] = (),
              chart: str = "metallb") -> Case:
    mode = _declared_mode(values, files)

    def build() -> list[Obj]:
        objs = render(chart, values=values, values_files=files, release="platform" if chart == "platform" else "test")
        if chart == "platform":
            objs = [o for o in objs if (o["metadata"].get("labels") or {}).get("app.kubernetes.io/name") == "metallb"]
        assert _mode(objs) == mode, f"{case_id}: the render runs {_mode(objs)}, the case expected {mode}"
        return metallb.configuration(objs)

    return Case(case_id, mode, build)


def _params(test: Callable[..., None]) -> list[tuple[str, tuple[Any, ...]]]:
    """(id, values) of each case of a parametrized test function (pytest.param or plain values)."""
    out = []
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            for i, p in enumerate(mark.args[1]):
                values = tuple(p.values) if hasattr(p, "values") else (p,)
                out.append((getattr(p, "id", None) or str(i), values))
    return out


def _accepted_cases() -> list[Case]:
    cases = [_rendered(f"ci/{p.name}", files=(f"charts/metallb/ci/{p.name}",))
             for p in sorted((ROOT / "charts/metallb/ci").glob("*-values.yaml"))]
    cases.append(_rendered("values/lab.yaml", files=("values/lab.yaml",), chart="platform"))
    for pid, (values, _) in _params(metallb_cases.test_native_mode_refuses_every_frr_only_field_naming_it):
        frr = copy.deepcopy(values)  # accepted as they are in FRR mode
        frr.setdefault("speaker", {})["frr"] = {"enabled": True}
        cases.append(_rendered(f"frr-accepts-{pid}", frr))
    for pid, (values,) in _params(metallb_cases.test_native_mode_accepts_what_native_bgp_supports):
        cases.append(_rendered(f"native-accepts-{pid}", metallb_cases.native(**values)))
    for pid, (peers,) in _params(metallb_cases.test_frr_mode_accepts_peers_on_other_vrfs_or_nodes):
        cases.append(_rendered(f"frr-peers-{pid}", {"bgpPeers": peers}))
    for pid, (timers,) in _params(metallb_cases.test_bgp_timers_metallb_accepts_render):
        cases.append(_rendered(f"timers-{pid}", {"bgpPeers": [{**metallb_cases.PEER, **timers}]}))
    cases.append(_rendered("frr-accepts-everything", {
        "bfdProfiles": [{"name": "fast"}], "communities": [{"name": "big", "value": "large:64512:1:1"}],
        "bgpPeers": [{**metallb_cases.PEER, "bfdProfile": "fast", "keepaliveTime": "10s", "holdTime": "30s",
                      "vrf": "red", "enableGracefulRestart": True, "localASN": 64600}],
        "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"]}],
        "bgpAdvertisements": [{"name": "a", "communities": ["big"]}]}))
    return cases


# --- MetalLB: what the chart refuses, as the objects it would have rendered --------------------------


def _combine(case_id: str, mode: str, *renders: dict[str, Any]) -> Case:
    """Objects of several renders the chart accepts one by one, together: a configuration the chart
    refuses as a whole (overlapping pools, peers FRR cannot run side by side)."""
    frr = {"speaker": {"frr": {"enabled": mode == "frr"}}}

    def build() -> list[Obj]:
        objs: list[Obj] = []
        for values in renders:
            objs += metallb.configuration(render("metallb", values={**values, **frr}))
        return objs

    return Case(case_id, mode, build)


def _patched(case_id: str, mode: str, values: dict[str, Any], kind: str, spec: dict[str, Any]) -> Case:
    """A render the chart accepts with fields of one object's spec changed to ones it refuses."""
    frr = {"speaker": {"frr": {"enabled": mode == "frr"}}}

    def build() -> list[Obj]:
        objs = copy.deepcopy(metallb.configuration(render("metallb", values={**values, **frr})))
        next(o for o in objs if o["kind"] == kind)["spec"].update(spec)
        return objs

    return Case(case_id, mode, build, blind=case_id in WEBHOOK_BLIND)


def _refused_cases() -> list[Case]:
    peer = metallb_cases.PEER
    a, b = metallb_cases.TWO_PEERS
    cases = []
    for pid, (values, _) in _params(metallb_cases.test_native_mode_refuses_every_frr_only_field_naming_it):
        frr = copy.deepcopy(values)  # what native mode refuses: the same objects, rendered in FRR mode
        frr.setdefault("speaker", {})["frr"] = {"enabled": True}
        case_id = f"native-refuses-{pid}"
        cases.append(Case(case_id, "native", lambda frr=frr: metallb.configuration(render("metallb", values=frr)),
                          blind=case_id in WEBHOOK_BLIND))
    cases += [
        _combine("frr-refuses-router-id", "frr", {"bgpPeers": [a]}, {"bgpPeers": [{**b, "routerID": "10.0.0.9"}]}),
        _combine("frr-refuses-same-address", "frr", {"bgpPeers": [a]}, {"bgpPeers": [{**b, "name": "b2",
                                                                                      "peerAddress": "10.0.0.1"}]}),
        _combine("frr-refuses-asn-per-vrf", "frr", {"bgpPeers": [a]}, {"bgpPeers": [{**b, "myASN": 64513}]}),
        _combine("frr-refuses-asn-same-nodes", "frr",
                 {"bgpPeers": [{**a, "nodeSelectors": [{"matchLabels": {"rack": "a"}}]}]},
                 {"bgpPeers": [{**b, "myASN": 64513, "nodeSelectors": [{"matchLabels": {"rack": "a"}}]}]}),
        _patched("frr-refuses-bfd-echo-ipv6", "frr",
                 {"bfdProfiles": [{"name": "echo"}], "bgpPeers": [{**peer, "bfdProfile": "echo"}],
                  "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"]}],
                  "bgpAdvertisements": [{"name": "a", "ipAddressPools": ["v6"]}]}, "BFDProfile", {"echoMode": True}),
        _combine("refuses-overlapping-pools", "native", {"addressPools": [{"name": "a", "addresses": ["10.0.0.0/24"]}]},
                 {"addressPools": [{"name": "b", "addresses": ["10.0.0.128-10.0.1.5"]}]}),
    ]
    for pid, (timers, _) in _params(metallb_cases.test_bgp_timers_metallb_refuses_fail_naming_the_key):
        cases.append(_patched(f"frr-refuses-timers-{pid}", "frr", {"bgpPeers": [{**peer}]}, "BGPPeer", timers))
    return cases


ACCEPTED = _accepted_cases()
REFUSED = _refused_cases()
# every case, FRR first: the controller switches mode once
CASES = sorted([(c, False) for c in ACCEPTED] + [(c, True) for c in REFUSED], key=lambda x: x[0].mode)


class Webhook:
    """MetalLB installed from the chart with nothing but its own objects, its controller (and webhook)
    run for real, in the backend mode a case needs."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self.api = Api(kube.kubeconfig)
        self.mode = ""
        self.run: harness.Running | None = None

    def in_mode(self, mode: str) -> Api:
        if mode == self.mode:
            return self.api
        self.kube.helm("upgrade", "--install", RELEASE, "charts/metallb", "-n", NAMESPACE, "--create-namespace",
                       "--set", f"speaker.frr.enabled={str(mode == 'frr').lower()}", "--wait", timeout=600)
        if self.run:
            self.run.stop()
            harness.RUNNING.remove(self.run)
            self.run = None
            self.kube.wait_for("the controller pod of the new mode", self._rolled, timeout=120)
            # the pod network's listeners go only when their accept loops wake (0.5 s timeout): a new
            # listener on the same ports before then would find them in use
            time.sleep(1.5)
        self.run = harness.start("metallb", NAMESPACE, "Deployment", f"{RELEASE}-controller", plane=self.kube.plane)
        self.run.wait_ready()
        self.kube.wait_for("the CA in MetalLB's webhook configuration", lambda: all(
            w["clientConfig"].get("caBundle") for w in
            self.kube.get("validatingwebhookconfiguration", "metallb-webhook-configuration")["webhooks"]))
        time.sleep(netns.PodNetwork.SETTLE)
        self.mode = mode
        return self.api

    def _rolled(self) -> bool:
        pods = self.kube.get("pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/component=controller")["items"]
        return len([p for p in pods if not p["metadata"].get("deletionTimestamp")]) == 1


@pytest.fixture(scope="module")
def webhook(fresh: Kube) -> Iterator[Webhook]:
    kube = fresh  # an empty plane: no release or configuration of an earlier run
    if not kube.builtin:
        pytest.skip("the real webhook runs on the built-in control plane (KUBECONFIG unset)")
    controllers.build_all()  # a no-op once `invoke tools` has built them
    kube.kubectl("label", "node", "w1", "rack=a", "--overwrite")  # for peers that select rack=a
    hook = Webhook(kube)
    yield hook
    harness.stop_all()
    if hook.run:
        print(f"--- metallb log ({hook.run.log_path})\n{hook.run.logs()[-4000:]}")


@cluster
@pytest.mark.parametrize(("case", "refused"), CASES,
                         ids=[f"{c.mode}:{'refuses' if r else 'accepts'}:{c.id}" for c, r in CASES])
def test_the_webhook_agrees_with_the_chart(webhook: Webhook, case: Case, refused: bool) -> None:
    """Accepted by the chart: the webhook accepts every object. Refused by the chart (assembled or
    patched from renders it accepts): the webhook refuses at least one."""
    objects = case.build()
    assert objects or not refused, case.id
    refusals = metallb.submit(webhook.in_mode(case.mode), objects, NAMESPACE)
    if refused and case.blind:
        assert refusals == [], f"{case.id}: MetalLB's webhook refuses it now ({refusals}): drop it from WEBHOOK_BLIND"
    elif refused:
        assert refusals, f"{case.id}: the chart refuses it, but MetalLB's webhook ({case.mode}) accepts it"
    else:
        assert refusals == [], f"{case.id}: the chart rendered it, MetalLB's webhook ({case.mode}) refuses:\n" + \
            "\n".join(refusals)


def test_cases_cover_both_modes_and_every_chart_scenario() -> None:
    modes = {c.mode for c in ACCEPTED} | {c.mode for c in REFUSED}
    assert modes == {"frr", "native"}
    ids = {c.id for c in ACCEPTED}
    assert {f"ci/{p.name}" for p in (ROOT / "charts/metallb/ci").glob("*-values.yaml")} | {"values/lab.yaml"} <= ids
    assert len([c for c in REFUSED if c.id.startswith("native-refuses-")]) == len(metallb_cases.FRR_ONLY)
    assert WEBHOOK_BLIND == {c.id for c in REFUSED if c.blind}
    for case in REFUSED + ACCEPTED:
        if case.id.startswith(("native-refuses-", "frr-refuses-", "refuses-", "ci/bgp", "values/")):
            assert case.build(), f"{case.id} has no configuration to submit"


# --- CoreDNS: every Corefile through the real binary --------------------------------------------------


def _corefile_files(objs: list[Obj]) -> dict[str, str]:
    """The Corefile and zone files of a render, as the chart's ConfigMap mounts them."""
    cm = one([o for o in objs if o["kind"] == "ConfigMap" and "Corefile" in (o.get("data") or {})], "ConfigMap")
    return dict(cm["data"])


def _coredns_cases() -> list[tuple[str, Callable[[], dict[str, str]]]]:
    """(id, files) of every Corefile to start; files are rendered when the test runs."""

    def rendered(values: dict[str, Any] | None = None, files: tuple[str, ...] = (),
                 chart: str = "coredns") -> Callable[[], dict[str, str]]:
        return lambda: _corefile_files(render(chart, values=values, values_files=files,
                                              release="platform" if chart == "platform" else "test"))

    cases = [(f"ci/{p.name}", rendered(files=(f"charts/coredns/ci/{p.name}",)))
             for p in sorted((ROOT / "charts/coredns/ci").glob("*-values.yaml"))]
    cases.append(("values/lab.yaml", rendered(files=("values/lab.yaml",), chart="platform")))
    for pid, (to,) in _params(coredns_cases.test_well_formed_upstreams_render):
        cases.append((f"upstreams-{pid}", rendered({"forward": {"to": to}})))
    for pid, (name,) in _params(coredns_cases.test_hosts_entry_for_a_cluster_name_is_refused_unless_allowed):
        cases.append((f"allowed-{pid}", rendered({"hosts": {"entries": [{"ip": "10.0.0.66", "names": [name]}],
                                                            "allowDangerousClusterNames": True}})))
    extras: dict[str, dict[str, Any]] = {
        "escape-hatch-lines": {"cache": {"extraLines": ["prefetch 10"]}, "forward": {"extraLines": ["health_check 5s"]}},
        "reload-jitter": {"reload": {"enabled": True, "interval": "2s", "jitter": "1s"}},
        "everything-off": {"kubernetes": {"enabled": False}, "cache": {"enabled": False}, "reload": {"enabled": False},
                           "loop": {"enabled": False}, "prometheus": {"enabled": False}, "mode": "full",
                           "service": {"clusterIP": "10.96.0.10"}, "health": {"enabled": False},
                           "ready": {"enabled": False}},
        "rewrites": {"rewrites": [{"type": "regex", "from": "(.*)\\.feng\\.org", "to": "{1}.default.svc.cluster.local",
                                   "answerName": {"from": "(.*)\\.default\\.svc\\.cluster\\.local",
                                                  "to": "{1}.feng.org"}},
                                  {"type": "suffix", "from": "lab.internal", "to": "svc.cluster.local",
                                   "answerAuto": True}]},
        "extra-block": {"extraServerBlocks": "example.org:53 {\n    whoami\n}\n"},
    }
    for case_id, values in extras.items():
        cases.append((case_id, rendered(values)))
    return cases


COREFILES = _coredns_cases()

# Values the chart refuses for CoreDNS's own rules, written into the lab's Corefile by hand: CoreDNS
# must refuse each (line edits of `old` into `new`, or an appended block). Not here: a malformed address
# in a hosts entry, which the chart refuses too, but CoreDNS drops silently (the name just never resolves).
BASE = "charts/coredns/ci/lab-values.yaml"
BY_HAND = [
    ("hosts-ttl-0", "    ttl 60\n", "    ttl 0\n"),
    ("hosts-ttl-65536", "    ttl 60\n", "    ttl 65536\n"),
    ("reload-1s", "    reload\n", "    reload 1s\n"),
    ("jitter-500ms", "    reload\n", "    reload 30s 500ms\n"),
    ("ipv6-upstream", "forward . /etc/resolv.conf", "forward . 2001:db8:::1"),
    ("ipv6-bracketed", "forward . /etc/resolv.conf", "forward . [fe80:::1]:53"),
    ("ipv6-brackets-without-port", "forward . /etc/resolv.conf", "forward . tls://[2001:db8::53]"),
    ("second-root-block", None, ".:53 {\n    whoami\n}\n"),
    ("repeated-stub-zone", None, "corp.feng.org:53 {\n    whoami\n}\n"),
    ("cache-ttl-0", "    cache 30 {", "    cache 0 {"),
]


def _by_hand() -> list[tuple[str, Callable[[], dict[str, str]]]]:
    files = _corefile_files(render("coredns", values_files=[BASE]))
    out = []
    for case_id, old, new in BY_HAND:
        text = files["Corefile"]
        if old is None:
            text = f"{text.rstrip()}\n{new}"
        else:
            assert old in text, f"{case_id}: {old!r} is not in the lab's Corefile"
            text = text.replace(old, new, 1)
        out.append((case_id, lambda files=files, text=text: {**files, "Corefile": text}))
    return out


def _check_all(cases: list[tuple[str, Callable[[], dict[str, str]]]]) -> dict[str, coredns.Verdict]:
    """Every Corefile through CoreDNS, several at a time (each waits seconds for its kubernetes plugin)."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        files = [build() for _, build in cases]  # rendered here, in this thread (helm runs one by one)
        verdicts = pool.map(coredns.check_corefile, files)
        return {case_id: verdict for (case_id, _), verdict in zip(cases, verdicts, strict=True)}


@pytest.fixture(scope="module")
def coredns_built() -> None:
    controllers.get("coredns").build()  # a no-op once `invoke tools` has built it


@cluster
def test_coredns_serves_every_corefile_the_chart_renders(coredns_built: None) -> None:
    verdicts = _check_all(COREFILES)
    refused = {case_id: v.reason() for case_id, v in verdicts.items() if not v.accepted}
    assert not refused, "the chart rendered these Corefiles and CoreDNS refuses them:\n" + "\n".join(
        f"- {case_id}: {reason}" for case_id, reason in refused.items())


@cluster
def test_coredns_refuses_what_the_chart_refuses(coredns_built: None) -> None:
    verdicts = _check_all(_by_hand())
    served = [case_id for case_id, v in verdicts.items() if v.accepted]
    assert not served, f"the chart refuses these, but CoreDNS serves them: {served}"


def test_coredns_cases_cover_every_scenario_and_the_lab() -> None:
    ids = {case_id for case_id, _ in COREFILES}
    assert {f"ci/{p.name}" for p in (ROOT / "charts/coredns/ci").glob("*-values.yaml")} | {"values/lab.yaml"} <= ids
    assert any(len(build()) > 1 for _, build in COREFILES), "a zone file scenario"
    assert len(_by_hand()) == len(BY_HAND)


def test_the_lab_metallb_objects_are_those_of_the_umbrella() -> None:
    lab = next(c for c in ACCEPTED if c.id == "values/lab.yaml")
    assert lab.mode == "native"
    objects = lab.build()
    assert [o["kind"] for o in objects] == ["IPAddressPool", "L2Advertisement"]
    assert of_kind(objects, "IPAddressPool")[0]["metadata"]["name"] == "lab-pool"
