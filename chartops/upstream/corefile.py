"""CoreDNS server blocks as the upstream coredns chart writes them (`servers[]`: zones, port, plugins
with parameters and a config block) -> the coredns chart's typed Corefile values.

The root server (zone `.` on port 53) becomes the typed plugins (`kubernetes`, `forward`, `cache`,
`hosts`, `rewrites`, `health`, ...): a plugin it lacks is turned off, as it would be missing from the
Corefile. A server that only forwards a zone becomes a `stubDomains` item; any other server is written
out as text into `extraServerBlocks`. Plugins without a typed key go to `extraPlugins` as written.
"""

from __future__ import annotations

from typing import Any

Writes = list[tuple[str, Any]]
Skips = list[tuple[str, Any, str]]

# plugins this chart switches with `<plugin>.enabled`, on by default here
_SWITCHED = ("errors", "health", "ready", "prometheus", "loop", "reload", "loadbalance", "cache", "forward",
             "kubernetes", "log")


def _lines(block: Any) -> list[list[str]]:
    return [line.split() for line in str(block or "").splitlines() if line.strip()]


def _params(plugin: dict[str, Any]) -> list[str]:
    return str(plugin.get("parameters", "") if plugin.get("parameters") is not None else "").split()


def _text(plugin: dict[str, Any], indent: str = "") -> str:
    head = " ".join([str(plugin.get("name", "")), *_params(plugin)])
    block = str(plugin.get("configBlock") or "").strip()
    if not block:
        return f"{indent}{head}"
    inner = "\n".join(f"{indent}    {line.strip()}" for line in block.splitlines() if line.strip())
    return f"{indent}{head} {{\n{inner}\n{indent}}}"


def _zones(server: dict[str, Any]) -> list[str]:
    return [str(z.get("zone", ".")) if isinstance(z, dict) else str(z) for z in server.get("zones") or [{"zone": "."}]]


def _kubernetes(plugin: dict[str, Any], out: Writes) -> None:
    zones = _params(plugin)
    reverse = [z for z in zones if z.endswith(".arpa") or "/" in z]
    forward = [z for z in zones if z not in reverse]
    if forward and forward != ["cluster.local"]:
        out.append(("kubernetes.zones", forward))
    if reverse:
        out.append(("kubernetes.reverseZones", reverse))
    extra: list[str] = []
    for words in _lines(plugin.get("configBlock")):
        key, rest = words[0], words[1:]
        if key == "pods" and len(rest) == 1:
            out.append(("kubernetes.pods", rest[0]))
        elif key == "ttl" and len(rest) == 1 and rest[0].isdigit():
            out.append(("kubernetes.ttl", int(rest[0])))
        elif key == "fallthrough":
            out.append(("kubernetes.fallthrough", rest))
        else:
            extra.append(" ".join(words))
    if extra:
        out.append(("kubernetes.extraLines", extra))


def _forward(plugin: dict[str, Any], out: Writes, skips: Skips) -> None:
    params = _params(plugin)
    if not params or params[0] != ".":
        skips.append(("forward", _text(plugin), "the root server forwards `.`; a zone of its own is a stub domain"))
        return
    if params[1:]:
        out.append(("forward.to", params[1:]))
    extra: list[str] = []
    for words in _lines(plugin.get("configBlock")):
        key, rest = words[0], words[1:]
        if key == "max_concurrent" and len(rest) == 1 and rest[0].isdigit():
            out.append(("forward.maxConcurrent", int(rest[0])))
        elif key == "policy" and len(rest) == 1:
            out.append(("forward.policy", rest[0]))
        elif key == "except":
            out.append(("forward.except", rest))
        else:
            extra.append(" ".join(words))
    if extra:
        out.append(("forward.extraLines", extra))


def _hosts(plugin: dict[str, Any], out: Writes, skips: Skips) -> None:
    if _params(plugin):
        skips.append(("hosts", _text(plugin), "a hosts file of the image: list the entries in `hosts.entries`"))
        return
    entries: list[dict[str, Any]] = []
    for words in _lines(plugin.get("configBlock")):
        if words[0] == "fallthrough":
            out.append(("hosts.fallthrough", True))
        elif words[0] == "ttl" and len(words) == 2 and words[1].isdigit():
            out.append(("hosts.ttl", int(words[1])))
        elif words[0] == "no_reverse":
            out.append(("hosts.noReverse", True))
        elif len(words) >= 2:
            entries.append({"ip": words[0], "names": words[1:]})
    if entries:
        out.append(("hosts.entries", entries))


def _rewrite(plugin: dict[str, Any], rewrites: list[dict[str, Any]], plugins: list[str]) -> None:
    params = _params(plugin)
    if len(params) == 4 and params[0] == "name" and params[1] in ("exact", "suffix", "prefix", "substring", "regex") \
            and not plugin.get("configBlock"):
        rewrites.append({"type": params[1], "from": params[2], "to": params[3]})
    else:
        plugins.append(_text(plugin))


def _root(server: dict[str, Any], out: Writes, skips: Skips) -> None:
    seen: set[str] = set()
    plugins: list[str] = []
    rewrites: list[dict[str, Any]] = []
    for plugin in server.get("plugins") or []:
        name = str(plugin.get("name", ""))
        seen.add(name)
        params = _params(plugin)
        if name == "kubernetes":
            _kubernetes(plugin, out)
        elif name == "forward":
            _forward(plugin, out, skips)
        elif name == "hosts":
            _hosts(plugin, out, skips)
        elif name == "rewrite":
            _rewrite(plugin, rewrites, plugins)
        elif name == "cache":
            if params and params[0].isdigit():
                out.append(("cache.ttl", int(params[0])))
            extra = [" ".join(w) for w in _lines(plugin.get("configBlock"))]
            if extra:
                out.append(("cache.extraLines", extra))
        elif name == "health":
            for words in _lines(plugin.get("configBlock")):
                if words[0] == "lameduck" and len(words) == 2:
                    out.append(("health.lameduck", words[1]))
        elif name == "reload":
            if params:
                out.append(("reload.interval", params[0]))
            if len(params) > 1:
                out.append(("reload.jitter", params[1]))
        elif name == "log":
            classes = [w for words in _lines(plugin.get("configBlock")) if words[0] == "class" for w in words[1:]]
            if classes:
                out.append(("log.classes", classes))
        elif name == "prometheus":
            if params and not params[0].endswith(":9153"):
                skips.append(("prometheus", _text(plugin), "CoreDNS serves its metrics on :9153 here"))
        elif name in _SWITCHED:
            continue
        else:
            plugins.append(_text(plugin))
    for name in _SWITCHED:
        out.append((f"{name}.enabled", name in seen))
    if rewrites:
        out.append(("rewrites", rewrites))
    if plugins:
        out.append(("extraPlugins", plugins))


def _stub(server: dict[str, Any]) -> dict[str, Any] | None:
    """A server that only forwards its one zone (with errors and cache at most) is a stub domain."""
    zones = _zones(server)
    plugins = {str(p.get("name")): p for p in server.get("plugins") or []}
    if len(zones) != 1 or zones[0] == "." or "forward" not in plugins or set(plugins) - {"forward", "errors", "cache"}:
        return None
    params = _params(plugins["forward"])
    if len(params) < 2 or params[0] not in (".", zones[0]) or plugins["forward"].get("configBlock"):
        return None
    return {"zone": zones[0], "servers": params[1:]}


def _block(server: dict[str, Any]) -> str:
    port = server.get("port", 53)
    head = " ".join(f"{z}:{port}" for z in _zones(server))
    body = "\n".join(_text(p, "    ") for p in server.get("plugins") or [])
    return f"{head} {{\n{body}\n}}"


def servers(value: Any) -> tuple[Writes, Skips]:
    """The typed values (our key, value) for upstream's `servers`, and what can't be carried over."""
    out: Writes = []
    skips: Skips = []
    if not isinstance(value, list):
        return out, [("", value, "expected a list of server blocks")]
    roots = [s for s in value if isinstance(s, dict) and _zones(s) == ["."] and int(s.get("port", 53)) == 53]
    stubs: list[dict[str, Any]] = []
    blocks: list[str] = []
    for i, server in enumerate(value):
        if not isinstance(server, dict):
            skips.append((f"[{i}]", server, "not a server block"))
        elif server is (roots[0] if roots else None):
            _root(server, out, skips)
        elif (stub := _stub(server)) is not None:
            stubs.append(stub)
        else:
            blocks.append(_block(server))
    if not roots:
        skips.append(("", None, "no server for `.` on port 53: this chart always writes one (kubeadm's)"))
    if stubs:
        out.append(("stubDomains", stubs))
    if blocks:
        out.append(("extraServerBlocks", "\n".join(blocks) + "\n"))
    return out, skips


def top_lines(value: Any) -> tuple[str, Skips]:
    """Upstream's `extraConfig` ({directive: {parameters: ...}}, lines outside any server block) as text."""
    if not isinstance(value, dict):
        return "", [("", value, "expected a map of directive: {parameters: ...}")]
    lines = []
    for name, spec in value.items():
        params = spec.get("parameters", "") if isinstance(spec, dict) else ""
        lines.append(" ".join([str(name), *str(params or "").split()]))
    return "\n".join(lines) + "\n" if lines else "", []
