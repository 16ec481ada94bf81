"""Loopback-only network namespaces: making them, checking them, and moving sockets and threads into them.

Every process of the test bed (etcd, the control plane, kwok, the controllers) and every client of it
runs in a network namespace that holds nothing but `lo`, so nothing it dials can leave the machine.
Each control plane has a namespace of its own (see `plane.py`), so planes run side by side with the
same ports and the same fake pod addresses. A thread enters a namespace with setns(2); sockets keep
the namespace they were made in, which is how the relays below join a controller's namespace to its
plane's.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

_CLONE_NEWNET = 0x40000000
_SO_ORIGINAL_DST = 80  # linux/netfilter_ipv4.h
_libc = ctypes.CDLL(None, use_errno=True)


class NetnsError(RuntimeError):
    """A namespace could not be made, checked or entered."""


# --- named namespaces (ip netns) ---


def loopback_only() -> bool:
    """True when the calling thread's network namespace has no interface but lo."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def links(name: str) -> list[str]:
    out = subprocess.run(command(["ip", "-o", "link", "show"], name), capture_output=True, text=True,
                         check=True).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line.strip()]


def ensure(name: str, local_routes: Sequence[str] = ()) -> None:
    """Create the namespace with lo up (idempotent) and check that lo is all it has.

    local_routes: CIDRs routed to lo inside it (the fake pods' range, where the harness serves them).
    """
    if os.geteuid() != 0:
        raise NetnsError("the built-in control plane needs root for `ip netns` (or set KUBECONFIG to a cluster)")
    if shutil.which("ip") is None:
        raise NetnsError("`ip` (Debian package iproute2) is missing")
    if exists(name) and subprocess.run(command(["true"], name), capture_output=True).returncode != 0:
        # a stale name: its namespace was mounted in a mount namespace that is gone (an `ip netns
        # exec` shell); the file left behind is no namespace
        Path("/run/netns", name).unlink()
    if not exists(name):
        subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(command(["ip", "link", "set", "lo", "up"], name), check=True)
    found = links(name)
    if found != ["lo"]:
        raise NetnsError(f"network namespace {name} has interfaces {found}; it must have only lo. "
                         f"Remove them or `ip netns delete {name}`, then retry")
    for cidr in local_routes:
        subprocess.run(command(["ip", "route", "replace", "local", cidr, "dev", "lo"], name), check=True)


def listening(name: str) -> list[int]:
    """TCP ports something listens on inside the namespace."""
    out = subprocess.run(command(["ss", "-Hltn"], name), capture_output=True, text=True, check=False).stdout
    return [int(line.split()[3].rsplit(":", 1)[1]) for line in out.splitlines() if len(line.split()) > 3]


def command(argv: Sequence[str], name: str) -> list[str]:
    """argv run inside the named namespace. nsenter, not `ip netns exec`: that one also gives the
    command a mount namespace of its own, and a namespace that command adds (a test starting a second
    plane) would be mounted there and vanish with it."""
    return ["nsenter", f"--net=/run/netns/{name}", "--", *argv]


def _setns(fd: int) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        raise NetnsError(f"setns(CLONE_NEWNET) failed: {os.strerror(ctypes.get_errno())}")


def enter(name: str) -> None:
    """Move the calling thread (and every thread and process it starts from now on) into the named
    namespace, after checking it holds only lo."""
    if not exists(name):
        raise NetnsError(f"network namespace {name} does not exist")
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(fd)
    finally:
        os.close(fd)
    if not loopback_only():
        raise NetnsError(f"network namespace {name} holds more than lo: refusing to work in it")


def current() -> int:
    """A new fd for the calling thread's network namespace (the caller closes it)."""
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def inode(fd: int) -> int:
    return os.fstat(fd).st_ino


def call(fd: int, fn: Callable[[], Any]) -> Any:
    """Run fn in a fresh thread switched into the network namespace `fd`; sockets it makes stay there."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _setns(fd)
            result.append(fn())
        except BaseException as err:  # re-raised in the caller
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


# --- sockets made in one namespace, used from anywhere ---


def listen(fd: int, addr: tuple[str, int], kind: int = socket.SOCK_STREAM, reuseport: bool = False) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuseport:  # beside a server on the wildcard address that sets it too (CoreDNS does)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # a listener just closed (a pod restarted) holds its port until its accept() thread wakes
        deadline = time.monotonic() + 2
        while True:
            try:
                sock.bind(addr)
                break
            except OSError as err:
                if err.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    sock.close()
                    raise
                time.sleep(0.1)
        if kind == socket.SOCK_STREAM:
            sock.listen(64)
        sock.settimeout(0.5)
        return sock

    return call(fd, make)  # type: ignore[no-any-return]


def connect(fd: int, addr: tuple[str, int], deadline: float, source: str | None = None) -> socket.socket | None:
    """A connection made in namespace fd, retried until deadline (the server may still be starting).

    source: the address to connect from, when namespace fd can hold it (a relay keeping its client's
    address, as a pod sees its peer's on a pod network); otherwise the kernel picks one."""

    def make() -> socket.socket | None:
        bind = (source, 0) if source and _bindable(source) else None
        while True:
            try:
                return socket.create_connection(addr, timeout=2, source_address=bind)
            except OSError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.1)

    return call(fd, make)  # type: ignore[no-any-return]


def _bindable(address: str) -> bool:
    """True when the calling thread's namespace holds address (on lo, or in a range routed to lo)."""
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def _pump(a: socket.socket, b: socket.socket, stop: threading.Event) -> None:
    """Copy bytes both ways until both sides are done (or stop)."""
    socks = [a, b]
    try:
        for s in socks:
            s.setblocking(True)
        open_ = {a: True, b: True}
        while any(open_.values()) and not stop.is_set():
            readable, _, _ = select.select([s for s in socks if open_[s]], [], [], 0.5)
            for src in readable:
                dst = b if src is a else a
                data = src.recv(65536)
                if data:
                    dst.sendall(data)
                else:
                    open_[src] = False
                    with suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()


class Relays:
    """TCP/UDP relays between namespaces, all stopped together."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.sockets: list[socket.socket] = []

    def _thread(self, fn: Callable[[], None]) -> None:
        threading.Thread(target=fn, daemon=True).start()

    def tcp(self, listener: socket.socket, target: Callable[[socket.socket], tuple[int, tuple[str, int]] | None],
            wait: float = 9.0, connected: Callable[[tuple[str, int]], None] | None = None,
            source: Callable[[socket.socket], str | None] | None = None) -> None:
        """Accept on listener; connect each connection to target(conn) = (netns fd, address), from
        source(conn) when given and the target namespace can hold that address."""
        self.sockets.append(listener)

        def serve(conn: socket.socket) -> None:
            where = target(conn)
            src = source(conn) if source else None
            out = connect(where[0], where[1], time.monotonic() + wait, src) if where else None
            if out is None or where is None:
                conn.close()
                return
            if connected:
                connected(where[1])
            _pump(conn, out, self.stop)

        def accept() -> None:
            while not self.stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._thread(lambda c=conn: serve(c))  # type: ignore[misc]

        self._thread(accept)

    def udp(self, listener: socket.socket, fd: int, addr: tuple[str, int]) -> None:
        """Relay each datagram to addr in namespace fd and the answer back."""
        self.sockets.append(listener)

        def answer(data: bytes, client: tuple[str, int]) -> None:
            def ask() -> bytes | None:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(5)
                    s.sendto(data, addr)
                    try:
                        return s.recv(65536)
                    except OSError:
                        return None

            reply = call(fd, ask)
            if reply is not None:
                with suppress(OSError):
                    listener.sendto(reply, client)

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    data, client = listener.recvfrom(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._thread(lambda d=data, c=client: answer(d, c))  # type: ignore[misc]

        self._thread(loop)

    def close(self) -> None:
        self.stop.set()
        for s in self.sockets:
            with suppress(OSError):
                s.close()


class PodNetwork:
    """The fake pods' addresses in a plane's namespace, relayed to the controllers' namespaces.

    One listener per port on 0.0.0.0 (the pod CIDR is routed to lo), opened as soon as a workload's
    ports are known, so a webhook call that comes before the controller is up waits for it instead
    of being refused: kwok reports the pod Ready at once, where a kubelet would wait for the probe.
    """

    # A kubelet marks a pod Ready only at its first passing readiness probe, seconds after the
    # server came up; kwok marks it Ready at once. So a port is used only once it has accepted
    # connections for SETTLE seconds: a webhook server that has just written its caBundle would
    # otherwise be called before the apiserver has seen that caBundle.
    SETTLE = 2.0

    def __init__(self, home: int) -> None:
        self.home = home  # fd of the plane's namespace, where the listeners live
        self.lock = threading.Condition()
        self.pods: dict[str, int | None] = {}  # pod IP -> its controller's netns fd (None: starting)
        self.ports: dict[int, tuple[int, Relays]] = {}  # TCP port -> (users, relay)
        self.up_since: dict[tuple[str, int], float] = {}

    def open(self, ports: Sequence[int]) -> None:
        with self.lock:
            for port in ports:
                users, relays = self.ports.get(port, (0, Relays()))
                if users == 0:
                    relays = Relays()
                    relays.tcp(listen(self.home, ("0.0.0.0", port)),
                               lambda conn, p=port: self._route(conn, p), connected=self._settle,  # type: ignore[misc]
                               source=self.source)
                self.ports[port] = (users + 1, relays)

    def close(self, ports: Sequence[int]) -> None:
        with self.lock:
            for port in ports:
                users, relays = self.ports[port]
                if users <= 1:
                    relays.close()
                    del self.ports[port]
                else:
                    self.ports[port] = (users - 1, relays)

    @staticmethod
    def source(conn: socket.socket) -> str | None:
        """A pod's (or a test client's pod-range) connection keeps its address, as on a pod network,
        so a proxy sees its client and a backend its proxy; a loopback client's (the apiserver's) is
        left to the kernel."""
        peer = str(conn.getpeername()[0])
        return None if peer.startswith("127.") else peer

    def register(self, ip: str, fd: int) -> None:
        with self.lock:
            self.pods[ip] = fd
            self.lock.notify_all()

    def forget(self, ip: str) -> None:
        with self.lock:
            self.pods.pop(ip, None)
            self.up_since = {k: v for k, v in self.up_since.items() if k[0] != ip}
            self.lock.notify_all()

    def _settle(self, addr: tuple[str, int]) -> None:
        with self.lock:
            since = self.up_since.setdefault(addr, time.monotonic())
        time.sleep(max(0.0, since + self.SETTLE - time.monotonic()))

    def egress(self, conn: socket.socket) -> tuple[int, tuple[str, int]] | None:
        """Where a pod's connection to another pod's address goes: that pod's namespace, if the harness
        runs it (else it is refused, like a pod IP with nothing behind it). conn was redirected to the
        relay by the pod's nftables rule, which keeps the address it dialed (SO_ORIGINAL_DST)."""
        port, packed = struct.unpack("!2xH4s8x", conn.getsockopt(socket.SOL_IP, _SO_ORIGINAL_DST, 16))
        ip = socket.inet_ntoa(packed)
        with self.lock:
            fd = self.pods.get(ip)
        return (fd, (ip, port)) if fd is not None else None

    def _route(self, conn: socket.socket, port: int) -> tuple[int, tuple[str, int]] | None:
        ip = conn.getsockname()[0]
        with self.lock:
            # the harness may not have seen the pod's IP yet: wait as long as the apiserver does
            self.lock.wait_for(lambda: self.pods.get(ip) is not None, timeout=9)
            fd = self.pods.get(ip)
        return (fd, (ip, port)) if fd is not None else None


_POD_NETWORKS: dict[int, PodNetwork] = {}
_POD_NETWORKS_LOCK = threading.Lock()


def pod_network() -> PodNetwork:
    """The pod network of the calling thread's namespace (one per plane, made on first use)."""
    fd = current()
    with _POD_NETWORKS_LOCK:
        key = inode(fd)
        if key in _POD_NETWORKS:
            os.close(fd)
        else:
            _POD_NETWORKS[key] = PodNetwork(fd)
        return _POD_NETWORKS[key]
