"""CoreDNS, as the chart's pod; stand-in upstream DNS servers inside its namespace, a client, and
the real binary as the judge of a Corefile (`check_corefile`).

The DNS wire format is dnspython's: queries to CoreDNS, and the stand-in servers' answers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import dns.rrset

from chartops.paths import repo_root
from chartops.testbed import harness, netns
from chartops.testbed.builds import Controller, ControllerError
from chartops.testbed.harness import Running

CONTROLLER = Controller("coredns", "coredns", "github.com/coredns/coredns", "github.com/coredns/coredns", "coredns")


def answer(query: bytes, address: str) -> bytes:
    """A reply to query that answers an A question with address (and any other type with no records)."""
    request = dns.message.from_wire(query)
    reply = dns.message.make_response(request)
    reply.flags |= dns.flags.RA
    question = request.question[0]
    if question.rdtype == dns.rdatatype.A:
        reply.answer.append(dns.rrset.from_text(question.name, 30, "IN", "A", address))
    return reply.to_wire()


def query(server: str, name: str, rdtype: str = "A", port: int = 53, timeout: float = 5) -> tuple[int, list[str]]:
    """(rcode, answers) of one UDP question; answers are A addresses and CNAME targets."""
    reply = dns.query.udp(dns.message.make_query(name, rdtype), server, timeout=timeout, port=port)
    answers = []
    for rrset in reply.answer:
        for rdata in rrset:
            if rdata.rdtype == dns.rdatatype.A:
                answers.append(str(rdata.address))
            elif rdata.rdtype == dns.rdatatype.CNAME:
                answers.append(rdata.target.to_text(omit_final_dot=True))
    return int(reply.rcode()), answers


def serve_upstream(run: Running, address: str, reply_with: str) -> list[str]:
    """A stand-in upstream DNS server at address:53 inside the controller's namespace: it answers every
    A question with `reply_with`. Returns the list the names it is asked land in."""
    sock = netns.listen(run.own_netns, (address, 53), socket.SOCK_DGRAM, reuseport=True)
    run.relays.sockets.append(sock)
    asked = run.queries.setdefault(address, [])

    def loop() -> None:
        while not run.relays.stop.is_set():
            try:
                data, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with suppress(Exception):  # a malformed datagram is dropped, as a server would
                asked.append(dns.message.from_wire(data).question[0].name.to_text(omit_final_dot=True))
                sock.sendto(answer(data, reply_with), client)

    threading.Thread(target=loop, daemon=True).start()
    return asked


# --- the real CoreDNS as the judge of a Corefile ---


@dataclass(frozen=True)
class Verdict:
    """What CoreDNS made of a Corefile: accepted once it served, or the log of its refusal."""

    accepted: bool
    log: str

    def reason(self) -> str:
        """The lines of the log that say why (CoreDNS prints one error and exits)."""
        lines = [line for line in self.log.splitlines() if re.search(r"error|invalid|unknown|not|must", line, re.I)]
        return "\n".join(lines[-5:]) or self.log[-1500:]


def check_corefile(files: Mapping[str, str], timeout: float = 40, port: int = 53,
                   root: Path | None = None) -> Verdict:
    """Start the real CoreDNS on a Corefile and the zone files beside it (`files`: name -> content,
    mounted at /etc/coredns as the chart's ConfigMap is), in namespaces of its own (network: nothing
    but lo; mount: an overlay, so nothing touches the host). CoreDNS has no check-only mode, and its
    server starts listening only after every plugin of every block took its configuration: accepted
    once port `port` accepts a connection (and /health answers, when the Corefile has the health
    plugin), refused when the process exits first. The kubernetes plugin gets in-cluster settings that
    point at 127.0.0.1:6443, where nothing listens: it waits 5 s for a sync and starts anyway, as
    CoreDNS does on a cluster whose API server is down."""
    binary = CONTROLLER.built(root)
    base = (root or repo_root()) / ".tools" / "corefile-checks"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="corefile-", dir=base))
    try:
        conf, sa, etc = work / "conf", work / "serviceaccount", work / "etc"
        for d in (conf, sa, etc, work / "scratch"):
            d.mkdir(parents=True)
        for name, content in files.items():
            (conf / name).write_text(content)
        (sa / "token").write_text("not-a-token\n")
        (sa / "namespace").write_text("kube-system\n")
        (sa / "ca.crt").write_text("")
        (etc / "resolv.conf").write_text("nameserver 192.0.2.53\n")  # reaches nothing
        (etc / "hosts").write_text("127.0.0.1\tlocalhost\n")
        mounts = [harness.Mount(conf, "/etc/coredns", True),
                  harness.Mount(sa, "/var/run/secrets/kubernetes.io/serviceaccount", True),
                  harness.Mount(etc / "resolv.conf", "/etc/resolv.conf", True),
                  harness.Mount(etc / "hosts", "/etc/hosts", True)]
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"}
        netup, ready = work / "netup", work / "ready"
        script = work / "check.sh"
        # one process: its own network namespace (lo only, up), then the container's file system
        script.write_text(f"set -eu\nip link set lo up\ntouch {shlex.quote(str(netup))}\n" + harness.container_script(
            scratch=work / "scratch", mounts=mounts, env=env, argv=[str(binary), "-conf", "/etc/coredns/Corefile"],
            ready=ready))
        log_path = work / "coredns.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private", "--", "/bin/sh",
                                     str(script)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        try:
            deadline = time.monotonic() + 15
            while not netup.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is not None or not netup.exists():
                return Verdict(False, "setting up the namespaces failed:\n" + log_path.read_text(errors="replace"))
            own = os.open(f"/proc/{proc.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                ready.touch()
                health = bool(re.search(r"^\s*health\b", files.get("Corefile", ""), re.M))
                served = _wait_served(proc, own, port, health, time.monotonic() + timeout)
            finally:
                os.close(own)
            return Verdict(served, log_path.read_text(errors="replace"))
        finally:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_served(proc: subprocess.Popen[bytes], own: int, port: int, health: bool, deadline: float) -> bool:
    """True once the server accepts on `port` (and /health answers 200), False if CoreDNS exits first."""

    def serving() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            if health:
                with urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=2) as resp:
                    return int(resp.status) == 200
            return True
        except OSError:
            return False

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if netns.call(own, serving):
            return proc.poll() is None
        time.sleep(0.25)
    raise ControllerError(f"CoreDNS neither served on port {port} nor exited within the time allowed")
