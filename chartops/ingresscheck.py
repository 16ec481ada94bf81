"""`invoke ingress-check`: before an Ingress moves from ingress-nginx to Traefik, which of its
`nginx.ingress.kubernetes.io/*` annotations (and regex paths) Traefik honours, and what to do about
the rest.

The verdicts come from what the cluster tier proved, not from a list kept by hand:

- `honoured`: a request through the real Traefik (built from its module, run as the traefik
  chart's pod) showed the behaviour. Each entry of PROOFS is one such request;
  tests/test_edge.py runs every one of them, so an annotation is listed here only while its
  traffic test passes.
- `needs a route`: a regex path with pathType Exact, which ingress-nginx matched as a regex but
  Traefik's provider matches literally (404), as the lab's `kubectl create ingress` rewrites are.
  The check prints the `traefik.providers.kubernetesIngressNginx.regexRoutes` entry that routes it
  (tests/test_edge.py proves the lab's one, and the 404 without it); an entry already in the
  values given with --values counts as honoured.
- `blocks the Ingress`: snippets; Traefik refuses the whole Ingress (allowSnippetAnnotations off).
- `unproven`: Traefik v3.7's provider reads it (TRAEFIK_READS, the annotation tags of its source,
  checked against the module by tests/test_ingresscheck.py), but no test here shows the behaviour:
  check it by hand through the new address before moving DNS.
- `ignored`: Traefik does not read it; the Ingress works without it, which may not be what its
  author wanted.

For `--controller ingress-nginx` every annotation is the controller's own (nothing to check).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PREFIX = "nginx.ingress.kubernetes.io/"
CONTROLLERS = ("traefik", "ingress-nginx")

HONOURED = "honoured"
NEEDS_ROUTE = "needs a route"
BLOCKS = "blocks the Ingress"
UNPROVEN = "unproven"
IGNORED = "ignored"
NEEDS_ACTION = (NEEDS_ROUTE, BLOCKS, IGNORED)


@dataclass(frozen=True)
class Proof:
    """One traffic test: an Ingress with `annotations` (and `tls` hosts, path, pathType) for host
    `<name>.proof.feng.org`, a request, and what the client or the backend must see."""

    name: str
    annotations: Mapping[str, str]
    path: str = "/"
    path_type: str = "Prefix"
    tls: bool = False
    backend_tls: bool = False
    request_path: str = "/"
    request_tls: bool = False
    request_body: int = 0
    backend_delay: float = 0.0
    status: int = 200
    backend_path: str | None = None  # the path the backend must see (None: not checked)
    location: str | None = None  # the redirect's Location (None: not checked)
    backend_tls_seen: bool | None = None
    honours: tuple[str, ...] = field(default=())  # the annotations this request proves

    @property
    def host(self) -> str:
        return f"{self.name}.proof.feng.org"


# Every annotation the lab's Ingresses and this suite's charts use, and the redirects the issue
# asks for, each proved by a request (and, where it can refuse, by the refusal).
PROOFS: tuple[Proof, ...] = (
    Proof("rewrite", {PREFIX + "rewrite-target": "/$2", PREFIX + "use-regex": "true"}, path="/v1(/|$)(.*)",
          path_type="ImplementationSpecific", request_path="/v1/foo", backend_path="/foo",
          honours=("rewrite-target", "use-regex")),
    Proof("rewrite-root", {PREFIX + "rewrite-target": "/$2"}, path="/v1(/|$)(.*)", path_type="ImplementationSpecific",
          request_path="/v1", backend_path="/", honours=("rewrite-target",)),
    Proof("regex", {PREFIX + "use-regex": "true"}, path="/api/v[0-9]+/", path_type="ImplementationSpecific",
          request_path="/api/v2/x", backend_path="/api/v2/x", honours=("use-regex",)),
    Proof("ssl-redirect", {}, tls=True, request_path="/a?b=c", status=308,
          location="https://ssl-redirect.proof.feng.org/a?b=c", honours=("ssl-redirect",)),
    Proof("no-ssl-redirect", {PREFIX + "ssl-redirect": "false"}, tls=True, request_path="/a", backend_path="/a",
          honours=("ssl-redirect",)),
    Proof("force-ssl-redirect", {PREFIX + "force-ssl-redirect": "true"}, request_path="/x", status=308,
          location="https://force-ssl-redirect.proof.feng.org/x", honours=("force-ssl-redirect",)),
    Proof("backend-https", {PREFIX + "backend-protocol": "HTTPS"}, backend_tls=True, backend_tls_seen=True,
          honours=("backend-protocol",)),
    Proof("body-ok", {PREFIX + "proxy-body-size": "2m"}, request_body=1_500_000, honours=("proxy-body-size",)),
    Proof("body-too-big", {PREFIX + "proxy-body-size": "1m"}, request_body=1_500_000, status=413,
          honours=("proxy-body-size",)),
    Proof("read-timeout", {PREFIX + "proxy-read-timeout": "1"}, backend_delay=3.0, status=504,
          honours=("proxy-read-timeout",)),
)

# The annotations Traefik v3.7.13's ingress-nginx provider reads (the `annotation:` tags of its
# IngressConfig); tests/test_ingresscheck.py compares this with the module's source.
TRAEFIK_READS = frozenset("""
auth-type auth-secret auth-realm auth-secret-type auth-url auth-signin auth-response-headers auth-snippet
auth-method enable-global-auth auth-tls-secret auth-tls-verify-client auth-tls-pass-certificate-to-upstream
force-ssl-redirect ssl-redirect ssl-passthrough use-regex rewrite-target app-root permanent-redirect
permanent-redirect-code temporal-redirect temporal-redirect-code from-to-www-redirect server-alias affinity
affinity-canary-behavior session-cookie-name session-cookie-secure session-cookie-path session-cookie-domain
session-cookie-samesite session-cookie-max-age session-cookie-expires service-upstream upstream-hash-by
backend-protocol proxy-ssl-secret proxy-ssl-verify proxy-ssl-name proxy-ssl-server-name proxy-connect-timeout
proxy-read-timeout proxy-send-timeout proxy-next-upstream proxy-next-upstream-tries proxy-next-upstream-timeout
proxy-http-version enable-cors cors-allow-credentials cors-expose-headers cors-allow-headers cors-allow-methods
cors-allow-origin cors-max-age enable-access-log whitelist-source-range allowlist-source-range limit-rpm
limit-rps limit-burst-multiplier limit-connections custom-headers upstream-vhost x-forwarded-prefix
custom-http-errors default-backend proxy-request-buffering client-body-buffer-size proxy-body-size
proxy-buffering proxy-buffer-size proxy-buffers-number proxy-max-temp-file-size configuration-snippet
server-snippet canary canary-by-cookie canary-by-header canary-by-header-value canary-by-header-pattern
canary-weight canary-weight-total enable-modsecurity enable-owasp-core-rules modsecurity-transaction-id
modsecurity-snippet
""".split())

SNIPPETS = frozenset({"configuration-snippet", "server-snippet", "auth-snippet"})
REGEX_CHARS = re.compile(r"[\^$()\[\]{}*+?|\\]")


def honoured() -> dict[str, list[str]]:
    """annotation (without the prefix) -> the proofs that show it."""
    out: dict[str, list[str]] = {}
    for proof in PROOFS:
        for name in proof.honours:
            out.setdefault(name, []).append(proof.name)
    return out


@dataclass(frozen=True)
class Finding:
    ingress: str  # namespace/name
    subject: str  # the annotation (without prefix) or "path <path>"
    verdict: str
    detail: str

    def line(self) -> str:
        return f"{self.ingress:<36} {self.subject:<32} {self.verdict:<20} {self.detail}"


def regex_route(namespace: str, name: str, host: str, path: str, annotations: Mapping[str, str],
                backend: Mapping[str, Any]) -> dict[str, Any]:
    """The traefik.providers.kubernetesIngressNginx.regexRoutes entry that routes an Exact regex path."""
    service = backend.get("service", {})
    port = service.get("port", {})
    entry: dict[str, Any] = {"ingress": f"{namespace}/{name}", "host": host, "path": path,
                             "service": service.get("name", ""), "port": port.get("number", port.get("name", ""))}
    if annotations.get(PREFIX + "rewrite-target"):
        entry["rewriteTarget"] = annotations[PREFIX + "rewrite-target"]
    return entry


def _routed(entry: Mapping[str, Any], routes: Sequence[Mapping[str, Any]]) -> int | None:
    for i, r in enumerate(routes):
        if all(str(r.get(k)) == str(v) for k, v in entry.items()):
            return i
    return None


def check(ingresses: Iterable[Mapping[str, Any]], controller: str = "traefik",
          regex_routes: Sequence[Mapping[str, Any]] = (), ingress_class: str = "nginx") -> list[Finding]:
    """The verdict on every nginx annotation and regex path of the Ingresses of `ingress_class`."""
    if controller not in CONTROLLERS:
        raise ValueError(f"controller {controller!r}: one of {', '.join(CONTROLLERS)}")
    proved = honoured()
    findings: list[Finding] = []
    for ing in ingresses:
        meta, spec = ing.get("metadata", {}), ing.get("spec", {}) or {}
        ns, name = meta.get("namespace", "default"), meta.get("name", "?")
        annotations = meta.get("annotations") or {}
        klass = spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class")
        where = f"{ns}/{name}"
        if klass != ingress_class:
            continue
        for key in sorted(k for k in annotations if k.startswith(PREFIX)):
            findings.append(_annotation(where, key.removeprefix(PREFIX), controller, proved))
        if controller != "traefik":
            continue
        regex = annotations.get(PREFIX + "use-regex", "").lower() == "true" or bool(
            annotations.get(PREFIX + "rewrite-target"))
        for rule in spec.get("rules") or []:
            for p in (rule.get("http") or {}).get("paths") or []:
                path, kind = p.get("path", "/"), p.get("pathType", "Prefix")
                if not (regex and kind == "Exact" and REGEX_CHARS.search(path)):
                    continue
                entry = regex_route(ns, name, rule.get("host", ""), path, annotations, p.get("backend", {}))
                found = _routed(entry, regex_routes)
                if found is not None:
                    findings.append(Finding(where, f"path {path}", HONOURED,
                                            f"routed by regexRoutes[{found}] (proof: the lab's demo-ingress2)"))
                else:
                    findings.append(Finding(where, f"path {path}", NEEDS_ROUTE,
                                            "pathType Exact with a regex: Traefik matches it literally (404). Add to "
                                            "traefik.providers.kubernetesIngressNginx.regexRoutes: "
                                            + json.dumps(entry)))
    return findings


def _annotation(where: str, key: str, controller: str, proved: Mapping[str, list[str]]) -> Finding:
    if controller == "ingress-nginx":
        return Finding(where, key, HONOURED, "ingress-nginx's own annotation (not run here: it needs nginx with Lua)")
    if key in proved:
        return Finding(where, key, HONOURED, "proved by tests/test_edge.py: " + ", ".join(proved[key]))
    if key in SNIPPETS:
        return Finding(where, key, BLOCKS, "raw nginx configuration: Traefik refuses the Ingress (its snippets are "
                                           "off); rewrite it as a Traefik middleware or a Gateway API filter")
    if key in TRAEFIK_READS:
        return Finding(where, key, UNPROVEN, "Traefik's provider reads it; no test here shows it: check the host "
                                             "through Traefik's address before moving DNS")
    return Finding(where, key, IGNORED, "Traefik does not read it: the Ingress is served without it; move the "
                                        "behaviour to a Traefik middleware or a Gateway API filter, or drop it")


# --- input ---


def ingresses_from_yaml(texts: Iterable[str]) -> list[dict[str, Any]]:
    """Ingresses of YAML documents (Ingress objects, or Lists of them, as `kubectl get -o yaml` writes)."""
    found: list[dict[str, Any]] = []
    for text in texts:
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict):
                continue
            items = doc.get("items", []) if doc.get("kind", "").endswith("List") else [doc]
            found += [i for i in items if isinstance(i, dict) and i.get("kind") == "Ingress"]
    return found


def cluster_command(kubeconfig: str | None = None, kubectl: str = "kubectl") -> list[str]:
    argv = [kubectl, "get", "ingresses", "--all-namespaces", "-o", "json"]
    return argv + (["--kubeconfig", kubeconfig] if kubeconfig else [])


def ingresses_from_cluster(kubeconfig: str | None = None, kubectl: str = "kubectl") -> list[dict[str, Any]]:
    try:
        proc = subprocess.run(cluster_command(kubeconfig, kubectl), capture_output=True, text=True, check=False)
    except OSError as err:
        raise RuntimeError(f"{shlex.join(cluster_command(kubeconfig, kubectl))}: {err}") from err
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cluster_command(kubeconfig, kubectl))}: {proc.stderr.strip()}")
    return list(json.loads(proc.stdout).get("items", []))


def traefik_values(files: Sequence[Path]) -> tuple[list[dict[str, Any]], str]:
    """regexRoutes and the ingress-nginx provider's class from traefik (or platform) values files,
    later files winning, as helm layers them."""
    routes: list[dict[str, Any]] = []
    klass = "nginx"
    for f in files:
        data = yaml.safe_load(f.read_text()) or {}
        block = data.get("traefik", data) if isinstance(data, dict) else {}
        provider = ((block or {}).get("providers") or {}).get("kubernetesIngressNginx") or {}
        if "regexRoutes" in provider:
            routes = list(provider["regexRoutes"] or [])
        klass = provider.get("ingressClass", klass)
    return routes, klass


def plan(files: Sequence[str], kubeconfig: str | None = None, kubectl: str = "kubectl") -> list[str]:
    """What `invoke ingress-check` runs, for `inv --dry`."""
    if files:
        return [f"# read the Ingresses of {', '.join(files)} (in-process)"]
    return [shlex.join(cluster_command(kubeconfig, kubectl))]


def report(findings: Sequence[Finding]) -> str:
    if not findings:
        return "no nginx.ingress.kubernetes.io annotation or regex path to check"
    header = f"{'INGRESS':<36} {'ANNOTATION / PATH':<32} {'VERDICT':<20} WHAT"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.verdict] = counts.get(f.verdict, 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    return "\n".join([header, *(f.line() for f in findings), "", summary])
