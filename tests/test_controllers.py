"""The charts' real controllers (built from Go modules at the charts' appVersions) against the
built-in control plane, each run as its chart's pod by chartops.controllers: the flags, env,
config files, RBAC, CRDs and webhooks of the rendered charts, judged by the binaries themselves.

Not run for real: the NFS provisioner and the Tigera operator (their modules are not on the Go
proxy: controllers.UNBUILDABLE says why) and ingress-nginx's controller (nginx with Lua).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator

import pytest
import yaml

from chartops.testbed import controllers, harness
from chartops.testbed import plane as plane_mod
from chartops.testbed.controllers import coredns
from chartops.testbed.harness import Running
from tests.cluster_helpers import (
    Kube,
    helm_command,
    helm_past_metallb_webhook,
    kubeadm_coredns_objects,
    lb_ingress,
    readme_commands,
)
from tests.helpers import ROOT, containers, one, render

cluster = pytest.mark.cluster
# they share (and restart) the control plane with the other cluster modules: one xdist worker runs them all
same_worker = pytest.mark.xdist_group("cluster")

# --- offline: what is built and how a pod spec becomes a process ---


def test_each_module_pins_its_charts_app_version() -> None:
    for c in controllers.CONTROLLERS.values():
        assert c.pinned() == c.version(), f"tools/controllers/{c.name}/go.mod vs charts/{c.chart} appVersion"


def test_every_controller_chart_is_built_or_says_why_not() -> None:
    charts = {c.chart for c in controllers.CONTROLLERS.values()} | set(controllers.UNBUILDABLE)
    assert charts == {"metallb", "coredns", "nfs-subdir-provisioner", "eck-operator", "calico", "metrics-server",
                      "traefik"}
    assert all("403" in why for why in controllers.UNBUILDABLE.values())


def test_argv_is_the_charts_command_and_args_with_vars_expanded() -> None:
    container = {"command": ["/elastic-operator", "$(MODE)"], "args": ["--config=/conf/eck.yaml", "$$(X)"]}
    argv = harness.container_argv(ROOT / "bin", container, {"MODE": "manager"})
    assert argv == [str(ROOT / "bin"), "manager", "--config=/conf/eck.yaml", "$(X)"]


def test_field_refs_come_from_the_pod() -> None:
    pod = {"metadata": {"name": "p", "namespace": "n", "uid": "u", "labels": {"a": "b"}},
           "spec": {"nodeName": "w1"}, "status": {"podIP": "10.244.0.7"}}
    assert harness.field_value(pod, "status.podIP") == "10.244.0.7"
    assert harness.field_value(pod, "metadata.labels['a']") == "b"
    with pytest.raises(controllers.ControllerError, match="not supported"):
        harness.field_value(pod, "spec.nope")


def test_relayed_ports_are_the_container_and_probe_ports() -> None:
    deploy = one(render("metallb", values_files=["charts/metallb/ci/lab-values.yaml"]), "Deployment")
    tcp, udp = harness._ports({"containers": containers(deploy, init=False)})
    assert {9443, 17472} <= set(tcp) and udp == []


@pytest.mark.parametrize("line, kind", [
    ('E1206 secrets is forbidden: User "system:serviceaccount:metallb-system:c" cannot create', "RBAC"),
    ("flag provided but not defined: -webhook-port", "unknown flag"),
    ("/etc/coredns/Corefile:3 - Error during parsing: Unknown directive 'rewrit'", "config"),
])
def test_log_scan_names_the_problem(line: str, kind: str) -> None:
    assert harness.problems(f"ok\n{line}\n") == [f"{kind}: {line}"]


def test_stand_in_dns_answers_an_a_question_with_its_address() -> None:
    import dns.message

    query = dns.message.make_query("a.b.", "A")
    reply = dns.message.from_wire(coredns.answer(query.to_wire(), "192.0.2.9"))
    assert reply.id == query.id and reply.question == query.question
    assert [str(rd.address) for rrset in reply.answer for rd in rrset] == ["192.0.2.9"]
    aaaa = dns.message.from_wire(coredns.answer(dns.message.make_query("a.b.", "AAAA").to_wire(), "192.0.2.9"))
    assert aaaa.answer == [] and aaaa.rcode() == 0


# --- on the built-in control plane ---


@pytest.fixture
def real(kube: Kube) -> Iterator[tuple[Kube, list[Running]]]:
    """A fresh control plane, and the controllers a test starts: stopped afterwards, their logs
    scanned for RBAC refusals, unknown flags and rejected configuration (naming the chart)."""
    if not kube.builtin:
        pytest.skip("the real controllers need the built-in control plane (KUBECONFIG unset): their pod network "
                    "is its loopback-only namespace")
    controllers.build_all()  # a no-op once `invoke tools` has built them
    plane_mod.up(fresh=True, plane=kube.plane)
    runs: list[Running] = []
    yield kube, runs
    harness.stop_all()  # also those a failed install left behind
    for run in runs:
        print(f"--- {run.controller.name} log ({run.log_path})\n{run.logs()[-4000:]}")


def _no_problems(runs: list[Running]) -> None:
    found = list(harness.iter_problems(runs))
    assert not found, "controller logs show misconfiguration:\n" + "\n".join(found)


# shared with tests/test_edge.py (the platform installs the README documents, MetalLB's webhook)
_readme_commands = readme_commands
_helm = helm_command
_helm_past_kwok_readiness = helm_past_metallb_webhook
_lb_ingress = lb_ingress


def _metallb_checks(kube: Kube, run: Running) -> None:
    run.wait_ready()  # the chart's readiness probe (port 17472) answers from the real binary
    pools = kube.get("ipaddresspools.metallb.io", "-n", "metallb-system")["items"]
    lab = yaml.safe_load((ROOT / "values/lab.yaml").read_text())["metallb"]["addressPools"]
    assert [p["spec"]["addresses"] for p in pools] == [p["addresses"] for p in lab]
    assert kube.exists("l2advertisements.metallb.io", "lab-l2", "-n", "metallb-system")
    kube.wait_for("10.0.0.12 on the ingress Service",
                  lambda: _lb_ingress(kube, "platform-ingress-nginx-controller", "ingress-nginx") == ["10.0.0.12"])


@cluster
@same_worker
def test_metallb_two_step_install_with_the_real_webhook(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    step1, step2 = _readme_commands("charts/platform/README.md", "## Install order")
    _helm(kube, step1)
    # the controller starts when step 2 makes its pod; the pools (post-upgrade hooks) go through its webhook
    started = harness.launch("metallb", "metallb-system", "Deployment", "platform-metallb-controller")
    runs.append(run := _helm_past_kwok_readiness(kube, step2, started))
    _metallb_checks(kube, run)

    # the webhook really judges: a pool overlapping lab-pool is refused by MetalLB itself
    overlap = {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
               "metadata": {"name": "overlap", "namespace": "metallb-system"},
               "spec": {"addresses": ["10.0.0.40-10.0.0.60"]}}
    refused = kube.kubectl("create", "-f", "-", input=json.dumps(overlap), check=False)
    assert refused.returncode != 0
    assert 'admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request' in refused.stderr

    # an address outside every pool: the Service stays pending, with MetalLB's event
    kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "outside", "namespace": "default", "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.200"}},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"app": "none"}}})

    def failed_event() -> bool:
        events = kube.get("events", "-n", "default", "--field-selector", "involvedObject.name=outside")["items"]
        return any(e["reason"] == "AllocationFailed" for e in events)

    kube.wait_for("MetalLB's AllocationFailed event", failed_event)
    assert _lb_ingress(kube, "outside", "default") == []
    _no_problems(runs)


@cluster
@same_worker
def test_metallb_one_step_install_with_the_real_webhook(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    text = " ".join((ROOT / "charts/platform/README.md").read_text().split())
    found = re.search(r"`(helm upgrade --install platform ./charts/platform -f values/lab.yaml [^`]*--wait)`", text)
    assert found, "charts/platform/README.md documents no one-step install"
    command = found.group(1)
    started = harness.launch("metallb", "metallb-system", "Deployment", "platform-metallb-controller")
    runs.append(run := _helm_past_kwok_readiness(kube, command, started))
    _metallb_checks(kube, run)
    _no_problems(runs)


# --- CoreDNS ---

KUBEADM_COREDNS_RBAC = [
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:coredns"},
     "rules": [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                "verbs": ["list", "watch"]},
               {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "system:coredns"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
     "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]},
]


def _kubeadm_dns() -> list[dict[str, object]]:
    """kubeadm's CoreDNS objects with what tests.cluster_helpers leaves out of its Deployment and a
    real process needs: dnsPolicy Default (the node's resolver behind `forward . /etc/resolv.conf`)
    and kubeadm's probes; plus kubeadm's RBAC for it."""
    objs = kubeadm_coredns_objects()
    for o in objs:
        if o["kind"] == "Deployment":
            spec = o["spec"]["template"]["spec"]
            spec["dnsPolicy"] = "Default"
            spec["containers"][0]["livenessProbe"] = {
                "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 60,
                "timeoutSeconds": 5, "failureThreshold": 5}
            spec["containers"][0]["readinessProbe"] = {
                "httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}, "periodSeconds": 10}
    return objs + KUBEADM_COREDNS_RBAC


def _wait_dns(run: Running, name: str) -> list[str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            rcode, answers = coredns.query(run.ip, name, timeout=2)
            if rcode == 0 and answers:
                return answers
        except OSError:
            pass
        assert run.alive(), f"coredns exited:\n{run.logs()[-3000:]}"
        assert time.monotonic() < deadline, f"no answer for {name} from coredns:\n{run.logs()[-3000:]}"
        time.sleep(0.5)


def _service(kube: Kube, name: str, namespace: str) -> str:
    kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
                "spec": {"ports": [{"port": 80}], "selector": {"app": name}}})
    return str(kube.get("service", name, "-n", namespace)["spec"]["clusterIP"])


@cluster
@same_worker
def test_coredns_runs_the_lab_corefile_overrides(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    kube.create(_kubeadm_dns(), manager="kubeadm")
    step1, _ = _readme_commands("charts/platform/README.md", "## Install order")
    _helm(kube, step1)  # writes the lab's Corefile into kubeadm's ConfigMap
    # kubeadm's pod runs with dnsPolicy Default: the node's resolver is 10.0.0.1 here; 10.0.0.2 is
    # the lab's corporate DNS server; both are stand-ins inside CoreDNS's own namespace
    run = harness.start("coredns", "kube-system", "Deployment", "coredns", addresses=["10.0.0.1", "10.0.0.2"],
                            node_resolv_conf="nameserver 10.0.0.1\n")
    runs.append(run)
    coredns.serve_upstream(run, "10.0.0.1", "192.0.2.1")
    coredns.serve_upstream(run, "10.0.0.2", "192.0.2.2")
    run.wait_ready()  # /ready on 8181: the Corefile loaded and the kubernetes plugin synced
    assert _wait_dns(run, "kubernetes.default.svc.cluster.local") == ["10.96.0.1"]

    assert _wait_dns(run, "harbor.feng.org") == ["10.0.0.100"]
    assert _wait_dns(run, "harbor.cluster.local") == ["10.0.0.100"]
    assert _wait_dns(run, "nfs.feng.org") == ["10.0.0.101"]
    myapp = _service(kube, "myapp", "default")
    assert _wait_dns(run, "myapp.feng.org") == [myapp], "the rewrite to myapp.default.svc.cluster.local"
    other = _service(kube, "web", kube.namespace("dns"))
    assert _wait_dns(run, f"web.{kube.namespaces[-1]}.svc.cluster.local") == [other]
    # the stub domain goes to 10.0.0.2 only; everything else to the node's resolver
    assert _wait_dns(run, "intranet.corp.feng.org") == ["192.0.2.2"]
    assert _wait_dns(run, "example.org") == ["192.0.2.1"]
    assert "intranet.corp.feng.org" in run.queries["10.0.0.2"]
    assert "example.org" in run.queries["10.0.0.1"]
    assert not [q for q in run.queries["10.0.0.1"] if q.endswith("corp.feng.org")], "except corp.feng.org"
    _no_problems(runs)


@cluster
@same_worker
def test_coredns_full_mode_runs_the_charts_own_pod(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    kube.helm("install", "coredns", "charts/coredns", "-n", "kube-system",
              "-f", "charts/coredns/ci/full-mode-values.yaml", "--wait", timeout=600)
    run = harness.start("coredns", "kube-system", "Deployment", "coredns", addresses=["192.0.2.53"])
    runs.append(run)
    coredns.serve_upstream(run, "192.0.2.53", "192.0.2.1")
    run.wait_ready()  # the chart's readiness probe
    assert run.probe("livenessProbe")
    assert _wait_dns(run, "kube-dns.kube-system.svc.cluster.local") == ["10.96.0.10"]
    assert _wait_dns(run, "harbor.feng.org") == ["10.0.0.100"]
    svc = _service(kube, "web", kube.namespace("dns"))
    assert _wait_dns(run, f"web.{kube.namespaces[-1]}.svc.cluster.local") == [svc]
    _no_problems(runs)


# --- ECK ---


@cluster
@same_worker
def test_eck_operator_admits_and_reconciles_the_lab_elasticsearch(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    started = harness.launch("eck", "elastic-system", "StatefulSet", "elastic-operator")
    _helm(kube, "helm install eck ./charts/eck-operator -n elastic-system --create-namespace "
                "-f values/apps/eck-operator-lab.yaml --wait")
    runs.append(run := started.wait())
    run.wait_ready(timeout=120)  # tcpSocket on https-webhook: the webhook server is up
    # the lab class (the operator's webhook checks that it exists)
    _helm(kube, "helm install nfs ./charts/nfs-subdir-provisioner -n nfs-provisioner --create-namespace "
                "-f charts/nfs-subdir-provisioner/ci/lab-values.yaml")
    _helm(kube, "helm install es ./charts/elasticsearch -n demo --create-namespace "
                "-f values/apps/elasticsearch-lab.yaml --set kibana.enabled=true")

    def sts() -> bool:
        return kube.exists("statefulset", "my-es-cluster-es-default", "-n", "demo")

    kube.wait_for("the operator's StatefulSet my-es-cluster-es-default", sts, timeout=120)
    es = kube.get("statefulset", "my-es-cluster-es-default", "-n", "demo")
    assert es["spec"]["replicas"] == 3
    claim = es["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "sc-nfs"
    assert claim["resources"]["requests"]["storage"] == "2Gi"
    for name in ("my-es-cluster-es-http", "my-es-cluster-es-transport", "my-es-cluster-es-default"):
        assert kube.exists("service", name, "-n", "demo"), name
    for name in ("my-es-cluster-es-elastic-user", "my-es-cluster-es-http-certs-public"):
        assert kube.exists("secret", name, "-n", "demo"), name
    config = kube.get("secret", "my-es-cluster-es-default-es-config", "-n", "demo")["data"]["elasticsearch.yml"]
    assert "allow_mmap: false" in base64.b64decode(config).decode()

    kube.wait_for("the operator's Kibana Deployment",
                  lambda: kube.exists("deployment", "my-es-cluster-kb", "-n", "demo"), timeout=120)
    assert kube.exists("service", "my-es-cluster-kb-http", "-n", "demo")
    _no_problems(runs)
