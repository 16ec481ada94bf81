"""A real OCI registry for the delivery tests: Debian's docker-registry (distribution).

Two session-scoped instances on free loopback ports: one with htpasswd basic
auth over TLS (a throwaway CA made here with openssl), one plain-http without
auth. Helm's registry login, config and caches point into temporary
directories per test, so the tests never touch the user's helm login.

A missing tool (docker-registry, openssl, bcrypt, gpg) skips the tests locally
and fails them when CI is set: in CI a skipped delivery test hides a broken job.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

USERNAME = "robot$ci"  # Harbor robot names contain '$': it must survive every shell-free hop
PASSWORD = "s3cr$t 'pa\"ss$HOME"  # quotes, spaces and '$' that a shell would mangle


def need(what: str, hint: str) -> None:
    """Skip here, fail in CI: a delivery test that silently skips in CI is a broken pipeline."""
    message = f"{what} is missing: {hint}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def registry_binary() -> str:
    found = shutil.which("docker-registry") or shutil.which("registry")
    if not found:
        need("docker-registry", "apt-get install -y docker-registry")
    return str(found)


def gpg_binary() -> str:
    found = shutil.which("gpg")
    if not found:
        need("gpg", "apt-get install -y gnupg")
    return str(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_tls(directory: Path, address: str = "127.0.0.1") -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for the address (and localhost) signed by it."""
    if not shutil.which("openssl"):
        need("openssl", "apt-get install -y openssl")
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "server.key", directory / "server.csr", directory / "server.crt"
    ext = directory / "server.ext"
    ext.write_text(f"subjectAltName=IP:{address},DNS:localhost\nbasicConstraints=CA:FALSE\n")

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
        "-days", "2", "-subj", "/CN=chartops test CA")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={address}")
    ssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return ca_crt, crt, key


def htpasswd_line(user: str, password: str) -> str:
    try:
        import bcrypt
    except ImportError:
        need("the bcrypt Python package", "pip install bcrypt (it is in the test extra)")
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"


@dataclass
class RegistryServer:
    """One running docker-registry; `url` is what `invoke push --registry` takes."""

    host: str
    directory: Path
    process: subprocess.Popen[bytes]
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = None

    @property
    def plain_http(self) -> bool:
        return self.ca_file is None

    def url(self, project: str) -> str:
        return f"oci://{self.host}/{project}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        path = self.directory / "registry.log"
        return path.read_text() if path.exists() else ""


def start_registry(directory: Path, tls: bool, auth: bool | None = None, address: str = "127.0.0.1",
                   port: int | None = None, username: str = USERNAME, password: str = PASSWORD,
                   more_users: dict[str, str] | None = None) -> RegistryServer:
    """A docker-registry on address:port (a free loopback port by default); htpasswd basic auth for username
    (and more_users: name -> password) when `auth` (default: with TLS); TLS with a throwaway CA."""
    auth = tls if auth is None else auth
    binary = registry_binary()
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(directory / "data")}, "delete": {"enabled": True}},
        "http": {"addr": f"{address}:{port}", "secret": "chartops-test-secret"},
    }
    ca_file = None
    if tls:
        ca_file, crt, key = make_tls(directory, address)
        config["http"] = {**config["http"], "tls": {"certificate": str(crt), "key": str(key)}}  # type: ignore[dict-item]
    if auth:
        htpasswd = directory / "htpasswd"
        users = {username: password, **(more_users or {})}
        htpasswd.write_text("".join(htpasswd_line(u, p) for u, p in users.items()))
        config["auth"] = {"htpasswd": {"realm": "chartops-test", "path": str(htpasswd)}}
    config_file = directory / "config.yml"
    config_file.write_text(yaml.safe_dump(config))
    log = (directory / "registry.log").open("wb")
    process = subprocess.Popen([binary, "serve", str(config_file)], stdout=log, stderr=subprocess.STDOUT)
    host = address if port == 443 else f"{address}:{port}"
    server = RegistryServer(host, directory, process, ca_file, username if auth else None, password if auth else None)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited at start:\n{server.log()}")
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"docker-registry did not listen on port {port} within 15 s:\n{server.log()}")


PULL, PUSH = frozenset({"GET", "HEAD"}), frozenset({"POST", "PUT", "PATCH", "DELETE"})
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
DENIED = json.dumps({"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]})


@dataclass
class FaultProxy:
    """A plain-http proxy in front of a registry that answers 403 DENIED, as Harbor does for a robot
    account without pull or push permission, for the repositories and methods given in `denied`
    (repository path, e.g. "apps/nfs-subdir-provisioner" -> methods). Everything else is passed on."""

    upstream: RegistryServer
    server: ThreadingHTTPServer
    denied: dict[str, frozenset[str]] = field(default_factory=dict)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, project: str) -> str:
        return f"oci://{self.host}/{project}"

    def deny(self, repository: str, methods: frozenset[str]) -> None:
        self.denied[repository] = methods

    def refuses(self, method: str, path: str) -> bool:
        return any(path.startswith(f"/v2/{repo}/") and method in methods for repo, methods in self.denied.items())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _proxy_handler(proxy: list[FaultProxy]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the test output stays the tests'

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while (size := int(self.rfile.readline().split(b";")[0].strip(), 16)) > 0:
                    out += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return out
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _forward(self) -> None:
            (p,) = proxy
            body = self._body()
            if p.refuses(self.command, self.path):
                p.seen.append((self.command, self.path, 403))
                self._answer(403, [("Content-Type", "application/json")], DENIED.encode())
                return
            host, port = p.upstream.host.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            conn.close()
            p.seen.append((self.command, self.path, answer.status))
            self._answer(answer.status, answer.getheaders(), data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    return Handler


def start_fault_proxy(upstream: RegistryServer) -> FaultProxy:
    """Listens on a free loopback port; the Host header is passed on, so upload Locations point back here."""
    holder: list[FaultProxy] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(holder))
    server.daemon_threads = True
    holder.append(FaultProxy(upstream, server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return holder[0]


@pytest.fixture(scope="session")
def registry_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="chartops-registry-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def tls_registry(registry_dir: Path) -> Iterator[RegistryServer]:
    """htpasswd basic auth over TLS with a throwaway CA, like a Harbor with a self-signed CA."""
    server = start_registry(registry_dir / "tls", tls=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def plain_registry(registry_dir: Path) -> Iterator[RegistryServer]:
    server = start_registry(registry_dir / "plain", tls=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def plain_auth_registry(registry_dir: Path) -> Iterator[RegistryServer]:
    """htpasswd basic auth over plain http: a lab Harbor without TLS."""
    server = start_registry(registry_dir / "plain-auth", tls=False, auth=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fault_proxy(plain_registry: RegistryServer) -> Iterator[FaultProxy]:
    """The plain registry behind a proxy that denies what a test asks it to (403)."""
    proxy = start_fault_proxy(plain_registry)
    yield proxy
    proxy.stop()


@pytest.fixture
def helm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Helm's registry login, config and caches in a temporary directory for one test."""
    home = tmp_path / "helm-home"
    monkeypatch.setenv("HELM_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("HELM_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HELM_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HELM_REGISTRY_CONFIG", str(home / "config" / "registry.json"))
    monkeypatch.setenv("HELM_CONTENT_CACHE", str(home / "cache" / "content"))
    monkeypatch.delenv("HARBOR_USERNAME", raising=False)
    monkeypatch.delenv("HARBOR_PASSWORD", raising=False)
    return home


@dataclass(frozen=True)
class GpgKey:
    name: str
    home: Path
    secret_keyring: Path
    public_keyring: Path


def make_gpg_key(home: Path, name: str, passphrase: str = "") -> GpgKey:
    """A signing key in home, exported to the legacy keyring files helm reads."""
    gpg = gpg_binary()
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def run(*args: str) -> bytes:
        cmd = [gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase, *args]
        return subprocess.run(cmd, env=env, check=True, capture_output=True).stdout

    run("--quick-gen-key", name, "rsa2048", "sign", "1d")
    secret, public = home / "secring.gpg", home / "pubring-legacy.gpg"
    secret.write_bytes(run("--export-secret-keys", name))
    public.write_bytes(run("--export", name))
    return GpgKey(name, home, secret, public)


def stop_gpg_agent(home: Path) -> None:
    subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(home)},
                   check=False, capture_output=True)


@pytest.fixture(scope="session")
def gpg_key() -> Iterator[GpgKey]:
    """A throwaway signing key without a passphrase."""
    home = Path(tempfile.mkdtemp(prefix="chartops-gnupg-"))
    yield make_gpg_key(home, "Chartops Test <chartops-test@feng.org>")
    stop_gpg_agent(home)
    shutil.rmtree(home, ignore_errors=True)
