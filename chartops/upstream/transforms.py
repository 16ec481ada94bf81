"""Transforms of the key maps: how an upstream value changes shape or unit on its way to our key.

Each transform takes the rule, the upstream value and the whole upstream values (for the few that
read a sibling) and returns the (our key, value) pairs to write, or raises Unmappable with the reason
the value can't be carried over. `describe` is the feature table's wording of each one.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chartops.upstream import Rule, corefile


@dataclass(frozen=True)
class Skip:
    """Part of a value not carried over (one flag of a list, one field of a map), and why."""

    part: str
    value: Any
    reason: str


Emit = list[tuple[str, Any] | Skip]
Transform = Callable[[Rule, Any, Mapping[str, Any]], Emit]

DROP = object()


class Unmappable(ValueError):
    """The value has no equivalent here; the message says why."""


def _to(rule: Rule) -> str:
    assert rule.to, rule.key
    return rule.to


def _sub(rule: Rule, name: str, default: str) -> str:
    targets = rule.args.get("targets") or {}
    return str(targets.get(name, f"{_to(rule)}.{default}"))


def image(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """`registry/path/name` (one string, the upstream shape) -> `<to>.registry` + `<to>.repository`."""
    if not isinstance(value, str) or not value.strip():
        raise Unmappable("expected an image reference such as registry.example/path/name")
    tail: Emit = []
    if rule.args.get("tags"):  # a full reference: registry/path/name[:tag][@digest]
        value, _, digest = value.partition("@")
        match = re.search(r":([^/:]+)$", value)
        if match:
            tail.append((_sub(rule, "tag", "tag"), match.group(1)))
            value = value[: match.start()]
        if digest:
            tail.append((_sub(rule, "digest", "digest"), digest))
    elif "@" in value or re.search(r":[^/]*$", value):
        raise Unmappable("a tag or digest belongs in the tag/digest key, not in the repository")
    first, _, rest = value.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = "docker.io", value if "/" in value else f"library/{value}"
    return [(_sub(rule, "registry", "registry"), registry), (_sub(rule, "repository", "repository"), repository),
            *tail]


def enum(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A value renamed: `with.map` {upstream: ours}; a value mapped to null is dropped (ours' default).
    `with.also` {upstream value: {our key: value}}: what else that value sets here."""
    table: dict[Any, Any] = dict(rule.args.get("map") or {})
    key = value if not isinstance(value, (dict, list)) else None
    if key not in table:
        allowed = ", ".join(repr(k) for k in table)
        raise Unmappable(str(rule.args.get("why") or f"only {allowed} have an equivalent here"))
    mapped = table[key]
    out: Emit = [] if mapped is None else [(_to(rule), mapped)]
    also = dict(rule.args.get("also") or {}).get(key) or {}
    return out + [(str(k), v) for k, v in dict(also).items()]


def clear(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """null or "" clears ours (an explicit empty value, e.g. no image digest); anything else as it is."""
    return [(_to(rule), "" if value is None else value)]


def invert(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    if not isinstance(value, bool):
        raise Unmappable("expected true or false")
    return [(_to(rule), not value)]


def wrap(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """The value becomes `with.field` of a map (e.g. a plain list becomes `{items: [...]}`)."""
    return [(_to(rule), {str(rule.args["field"]): value})]


def _flag_parts(item: Any) -> tuple[str, str | None]:
    if not isinstance(item, str) or not item.startswith("-"):
        raise Unmappable(f"{item!r} is not a command-line flag")
    name, eq, val = item.lstrip("-").partition("=")
    return name, (val if eq else None)


def _typed(kind: str, raw: str | None, flag: str) -> Any:
    if kind.startswith("has:"):
        return raw is not None and kind[4:] in raw.split(",")
    if kind == "bool":
        if raw is None:
            return True
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise Unmappable(f"--{flag}={raw}: expected true or false")
    if raw is None:
        raise Unmappable(f"--{flag} needs a value")
    if kind == "list":
        return [p.strip() for p in raw.split(",") if p.strip()]
    if kind == "name":
        return raw.rpartition("/")[2]
    if kind == "int":
        if not raw.isdigit():
            raise Unmappable(f"--{flag}={raw}: expected a number")
        return int(raw)
    return raw


def flags(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A list of `--flag[=value]` -> typed keys (`with.flags`: flag -> [our key, kind]), flags this chart
    writes itself (`with.own`: flag -> the value it writes; another value is named with `with.why`),
    the rest into the map `to` ({flag: value}). `with.absent` {flag: [our key, value]}: what a missing
    flag means (for a list that replaces the chart's default flags)."""
    if not isinstance(value, list):
        raise Unmappable("expected a list of --flag=value strings")
    typed: dict[str, list[str]] = dict(rule.args.get("flags") or {})
    own: dict[str, Any] = dict(rule.args.get("own") or {})
    out: Emit = []
    seen: set[str] = set()
    rest: dict[str, str] = {}
    for item in value:
        try:
            name, raw = _flag_parts(item)
            seen.add(name)
            if name in typed:
                key, kind = typed[name]
                out.append((key, _typed(kind, raw, name)))
            elif name in own:
                if own[name] is None or raw != own[name]:
                    raise Unmappable(str(rule.args.get("why") or "the chart sets this flag itself"))
            else:
                rest[name] = "true" if raw is None else raw
        except Unmappable as err:
            out.append(Skip(str(item), item, str(err)))
    for flag, (key, missing) in dict(rule.args.get("absent") or {}).items():
        if flag not in seen:
            out.append((key, missing))
    if rest:
        out.append((_to(rule), rest))
    return out


def flag_map(rule: Rule, value: Any, values: Mapping[str, Any]) -> Emit:
    """A map {flag: value} (the upstream `extraArgs` shape) -> typed keys and the rest, like `flags`."""
    if not isinstance(value, dict):
        raise Unmappable("expected a map of flag: value")
    as_list = [f"--{k}" if v is None or v == "" else f"--{k}={v}" for k, v in value.items()]
    return flags(rule, as_list, values)


def config(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A settings map (e.g. nginx's ConfigMap) where this chart types some settings: those go to their
    keys (`with.typed`: setting -> [our key, kind]), settings the chart writes itself (`with.own`:
    setting -> why) are named, the rest stay in the map `to`."""
    if not isinstance(value, dict):
        raise Unmappable("expected a map of settings")
    typed: dict[str, list[str]] = dict(rule.args.get("typed") or {})
    own: dict[str, str] = dict(rule.args.get("own") or {})
    out: Emit = []
    rest: dict[str, Any] = {}
    for name, setting in value.items():
        raw = str(setting).lower() if isinstance(setting, bool) else str(setting)
        try:
            if name in typed:
                key, kind = typed[name]
                out.append((key, _typed(kind, raw, name)))
            elif name in own:
                raise Unmappable(own[name])
            else:
                rest[name] = setting
        except Unmappable as err:
            out.append(Skip(str(name), setting, str(err)))
    if rest:
        out.append((_to(rule), rest))
    return out


def env_map(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A list of `{name, value}` env vars -> a map {name: value} (valueFrom has no place in a map)."""
    if not isinstance(value, list):
        raise Unmappable("expected a list of {name, value}")
    out: dict[str, str] = {}
    for item in value:
        if not isinstance(item, dict) or "name" not in item:
            raise Unmappable(f"{item!r} is not an env var with a name")
        if "valueFrom" in item:
            raise Unmappable(f"{item['name']}: valueFrom has no equivalent here (a map holds plain values)")
        out[str(item["name"])] = str(item.get("value", ""))
    return [(_to(rule), out)]


def env_list(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A map {name: value} (or already a list) -> a list of `{name, value}` env vars."""
    if isinstance(value, list):
        return [(_to(rule), value)]
    if not isinstance(value, dict):
        raise Unmappable("expected a map of name: value")
    return [(_to(rule), [{"name": str(k), "value": str(v)} for k, v in value.items()])]


# my.cnf settings the chart writes itself (or refuses), or that point into the Bitnami image's layout;
# names as mysqld reads them: lower case, `-` for `_`, without `loose-`
_MYCNF_OWNED = {
    "basedir", "datadir", "plugin-dir", "socket", "pid-file", "tmpdir", "log-error", "port", "bind-address",
    "slow-query-log-file", "server-id", "gtid-mode", "enforce-gtid-consistency", "read-only", "super-read-only",
    "log-bin", "relay-log", "ssl-ca", "ssl-cert", "ssl-key", "secure-file-priv", "report-host", "mysqlx",
    "mysqlx-port", "skip-networking", "relay-log-recovery", "require-secure-transport", "authentication-policy",
}


def _mycnf_name(line: str) -> str:
    name = line.split("=", 1)[0].strip().lower().replace("_", "-")
    return name.removeprefix("loose-")


def mycnf(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A my.cnf for the Bitnami image -> this chart's `configuration`: the `[mysqld]` settings the chart
    writes itself (paths, port, server id, GTID, TLS files, read-only, authentication policy) and the
    client sections (for the Bitnami image's tools) are left out; a setting holding a template of
    Bitnami's values can't be carried over and is named."""
    if not isinstance(value, str):
        raise Unmappable("expected my.cnf text")
    out: Emit = []
    kept: list[str] = []
    section = ""
    for line in value.splitlines():
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            section = text[1:-1].strip().lower()
            if section in ("mysqld", "server", "mysqld_safe"):
                kept.append(text)
            continue
        if not text or text.startswith(("#", ";")) or section not in ("mysqld", "server", "mysqld_safe"):
            continue
        if text.startswith("{{"):
            continue  # a template's own control line ({{- if }}, {{- end }})
        if _mycnf_name(text) in _MYCNF_OWNED:
            continue
        if "{{" in text:
            out.append(Skip(text, text, "a template of the Bitnami chart's values; write the value itself"))
            continue
        kept.append(text)
    body = [line for i, line in enumerate(kept)
            if not (line.startswith("[") and (i + 1 == len(kept) or kept[i + 1].startswith("[")))]
    if body:
        out.append((_to(rule), "\n".join(body) + "\n"))
    return out


def upstream_value(values: Mapping[str, Any], key: str) -> Any:
    node: Any = values
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def holds(when: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """A rule's `when`: the upstream key is set (to `equals`, when given)."""
    node = upstream_value(values, str(when["key"]))
    if "equals" in when:
        return bool(node == when["equals"])
    return node not in (None, "", [], {}, False)


def split_words(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """One string of flags (`--a=1 --b`) -> a list of them."""
    if isinstance(value, list):
        return [(_to(rule), value)]
    if not isinstance(value, str):
        raise Unmappable("expected a string of flags")
    return [(_to(rule), value.split())]


def no_templates(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A map whose values may hold templates of the upstream chart's values: those entries are named."""
    if not isinstance(value, dict):
        raise Unmappable("expected a map")
    out: Emit = [Skip(str(k), v, "a template of the upstream chart's values; write the value itself")
                 for k, v in value.items() if "{{" in str(v)]
    kept = {k: v for k, v in value.items() if "{{" not in str(v)}
    if kept:
        out.append((_to(rule), kept))
    return out


def with_also(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """The value, and fixed values for other keys (`with.also`), e.g. null for the other of a pair
    where ours has a default and upstream has none (helm drops a default set to null)."""
    out: Emit = [(_to(rule), value)]
    return out + [(str(k), v) for k, v in dict(rule.args.get("also") or {}).items()]


def secret_object(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """Content upstream puts into a Secret it makes itself -> a Secret of ours in `to` (extraObjects)
    named `with.name`, holding it under `with.key` (base64, as upstream's), and its name in `with.ref`."""
    if not isinstance(value, str):
        raise Unmappable("expected the base64 content")
    name = str(rule.args["name"])
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
              "data": {str(rule.args["key"]): value.strip()}}
    return [(f"{_to(rule)}[0]", secret), (str(rule.args["ref"]), name)]


def copy_to(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """The same value to `to` and to each of `with.targets`."""
    out: Emit = [(_to(rule), value)]
    return out + [(str(t), value) for t in rule.args.get("targets") or []]


def integer(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A number written as a string ("587") -> the number."""
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise Unmappable(f"{value!r} is not a whole number")
    return [(_to(rule), int(str(value).strip()))]


def csv(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A list, or one string of comma-separated items -> a list."""
    if isinstance(value, list):
        return [(_to(rule), value)]
    if not isinstance(value, str):
        raise Unmappable("expected a list or a comma-separated string")
    return [(_to(rule), [p.strip() for p in value.split(",") if p.strip()])]


def cidr(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """One address -> a one-item list of its host CIDR (/32, or /128 for IPv6)."""
    if not isinstance(value, str) or not value.strip():
        raise Unmappable("expected an IP address")
    text = value.strip()
    return [(_to(rule), [text if "/" in text else f"{text}/{128 if ':' in text else 32}"])]


def san_list(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """ECK's subject alternative names ([{dns: ..} | {ip: ..}]) -> a list of names and addresses."""
    if not isinstance(value, list):
        raise Unmappable("expected a list of {dns: ...} or {ip: ...}")
    names: list[str] = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and len(item) == 1 and next(iter(item)) in ("dns", "ip"):
            names.append(str(next(iter(item.values()))))
        else:
            raise Unmappable(f"{item!r} is neither {{dns: ...}} nor {{ip: ...}}")
    return [(_to(rule), names)]


def first_host(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A list of {host, path} -> one host and path (`with.targets` host, path); the others are named."""
    if not isinstance(value, list) or not all(isinstance(h, dict) for h in value):
        raise Unmappable("expected a list of {host, path}")
    if not value:
        return []
    targets = dict(rule.args.get("targets") or {})
    first = value[0]
    out: Emit = [(str(targets["host"]), first.get("host", ""))]
    if first.get("path"):
        out.append((str(targets["path"]), first["path"]))
    out += [Skip(f"[{i}]", h, str(rule.args.get("why") or "one host here")) for i, h in enumerate(value[1:], 1)]
    return out


def pdb_spec(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A PodDisruptionBudget written as upstream passes it through: `{}` turns the budget off, a spec
    (`{spec: {...}}` for ECK, the fields themselves for others, `with.nested`) turns it on with its
    minAvailable/maxUnavailable (`with.fields`: those ours has)."""
    if not isinstance(value, dict):
        raise Unmappable("expected a PodDisruptionBudget spec")
    base = _to(rule)
    if not value:
        return [(f"{base}.enabled", False)]
    spec = dict(value.get("spec") or {}) if rule.args.get("nested") else dict(value)
    extra = {k: v for k, v in value.items() if k != "spec"} if rule.args.get("nested") else {}
    fields = list(rule.args.get("fields") or ["minAvailable", "maxUnavailable"])
    out: Emit = [(f"{base}.enabled", True)]
    out += [(f"{base}.{f}", spec.pop(f)) for f in fields if f in spec]
    out += [Skip(k, v, f"the budget selects the pods itself; {' and '.join(fields)} carry over")
            for k, v in {**extra, **spec}.items()]
    return out


_ES_TYPED_SPEC = {"nodeSelector": "nodeSelector", "tolerations": "tolerations", "affinity": "affinity"}
_HEAP = re.compile(r"^-Xm[sx]([0-9]+[kmgKMG])$")


def _nodeset_pod_template(template: dict[str, Any], item: dict[str, Any], where: str) -> Emit:
    """Move what ours types (resources, heap, scheduling, pod labels) out of a pod template into item."""
    skips: Emit = []
    meta = template.get("metadata") or {}
    for field, ours in (("labels", "podLabels"), ("annotations", "podAnnotations")):
        if meta.get(field):
            item[ours] = meta.pop(field)
    if not meta:
        template.pop("metadata", None)
    spec = template.get("spec") or {}
    for field, ours in _ES_TYPED_SPEC.items():
        if field in spec:
            item[ours] = spec.pop(field)
    containers = spec.get("containers") or []
    for container in list(containers):
        if container.get("name") != "elasticsearch":
            continue
        if "resources" in container:
            item["resources"] = container.pop("resources")
        env = container.get("env") or []
        for var in list(env):
            if var.get("name") != "ES_JAVA_OPTS":
                continue
            env.remove(var)
            sizes = {m.group(1) for opt in str(var.get("value", "")).split() if (m := _HEAP.match(opt))}
            rest = [opt for opt in str(var.get("value", "")).split() if not _HEAP.match(opt)]
            if len(sizes) == 1:
                item["heap"] = sizes.pop()
            if rest or len(sizes) > 1:
                skips.append(Skip(f"{where}.podTemplate...ES_JAVA_OPTS", var.get("value"),
                                  "the chart writes ES_JAVA_OPTS from `heap` (-Xms = -Xmx); other JVM options "
                                  "go in a jvm.options file mounted through podTemplate"))
        if not env:
            container.pop("env", None)
        if set(container) == {"name"}:
            containers.remove(container)
    if "containers" in spec and not containers:
        spec.pop("containers")
    if not spec:
        template.pop("spec", None)
    return skips


def eck_nodesets(rule: Rule, value: Any, values: Mapping[str, Any]) -> Emit:
    """ECK's nodeSets, copied verbatim into the resource upstream -> this chart's typed node sets: the
    roles and mmap setting out of `config`, resources, heap, scheduling and pod labels out of
    `podTemplate`, the `elasticsearch-data` claim into `storage`; the rest stays in `config`,
    `podTemplate` and `volumeClaimTemplates`."""
    if not isinstance(value, list):
        raise Unmappable("expected a list of node sets")
    out: Emit = []
    sets: list[dict[str, Any]] = []
    mmap: set[bool] = set()
    for i, raw in enumerate(value):
        where = f"[{i}]"
        if not isinstance(raw, dict) or "name" not in raw:
            out.append(Skip(where, raw, "a node set needs a name"))
            continue
        src = copy.deepcopy(raw)
        item: dict[str, Any] = {"name": src.pop("name"), "count": src.pop("count", 1)}
        config = dict(src.pop("config", None) or {})
        nested = config.get("node")
        node: dict[str, Any] = nested if isinstance(nested, dict) else {}
        roles = config.pop("node.roles", None) or node.pop("roles", None)
        allow = config.pop("node.store.allow_mmap", None)
        if allow is None and isinstance(node.get("store"), dict):
            allow = node["store"].pop("allow_mmap", None)
            if not node["store"]:
                node.pop("store")
        if isinstance(config.get("node"), dict) and not config["node"]:
            config.pop("node")
        if roles is not None:
            item["roles"] = roles
        if allow is not None:
            mmap.add(str(allow).lower() == "true")
        if config:
            item["config"] = config
        if "resources" in src:  # upstream's examples put them on the node set
            item["resources"] = src.pop("resources")
        template = src.pop("podTemplate", None)
        if isinstance(template, dict):
            out += _nodeset_pod_template(template, item, where)
            if template:
                item["podTemplate"] = template
        claims = []
        for claim in src.pop("volumeClaimTemplates", None) or []:
            if (claim.get("metadata") or {}).get("name") != "elasticsearch-data":
                claims.append(claim)
                continue
            spec = claim.get("spec") or {}
            storage: dict[str, Any] = {}
            size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
            if size:
                storage["size"] = str(size)
            if spec.get("storageClassName"):
                storage["storageClass"] = spec["storageClassName"]
            if storage:
                item["storage"] = storage
            modes = spec.get("accessModes") or ["ReadWriteOnce"]
            if modes != ["ReadWriteOnce"]:
                out.append(Skip(f"{where}.volumeClaimTemplates.elasticsearch-data.accessModes", modes,
                                "the data claim is ReadWriteOnce (one per pod)"))
        if claims:
            item["volumeClaimTemplates"] = claims
        out += [Skip(f"{where}.{k}", v, "not a node set field this chart knows") for k, v in src.items()]
        sets.append(item)
    if len(mmap) > 1:
        out.append(Skip("node.store.allow_mmap", sorted(mmap), "one `allowMmap` for every node set here"))
    elif mmap:
        out.append(("allowMmap", mmap.pop()))
    out.append((_to(rule), sets))
    return out


def corefile_servers(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """The upstream coredns chart's server blocks -> the typed Corefile (chartops.upstream.corefile)."""
    writes, skips = corefile.servers(value)
    out: Emit = [Skip(part, v, why) for part, v, why in skips]
    return out + list(writes)


def corefile_lines(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """Upstream coredns's top-level Corefile lines (`extraConfig`) -> text."""
    text, skips = corefile.top_lines(value)
    out: Emit = [Skip(part, v, why) for part, v, why in skips]
    return out + ([(_to(rule), text)] if text else [])


def thresholds(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """Alert thresholds `[{percent, labels: {severity}}]` -> `[{percent, severity}]`; other labels are named
    (the chart's `labels` go on every alert)."""
    if not isinstance(value, list):
        raise Unmappable("expected a list of {percent, labels}")
    out: Emit = []
    items: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or "percent" not in item:
            out.append(Skip(f"[{i}]", item, "a threshold needs its percent"))
            continue
        labels = dict(item.get("labels") or {})
        entry: dict[str, Any] = {"percent": item["percent"]}
        if "severity" in labels:
            entry["severity"] = labels.pop("severity")
        if labels:
            out.append(Skip(f"[{i}].labels", labels, "one set of alert labels for every alert here (`labels`)"))
        items.append(entry)
    out.append((_to(rule), items))
    return out


def prepend(rule: Rule, value: Any, values: Mapping[str, Any]) -> Emit:
    """A list with `with.items` in front, as upstream's template adds them, unless the upstream switch
    `with.switch` is false (e.g. MetalLB's tolerateMaster adding the control-plane tolerations)."""
    if not isinstance(value, list):
        raise Unmappable("expected a list")
    switch = upstream_value(values, str(rule.args["switch"])) if rule.args.get("switch") else True
    items = list(rule.args.get("items") or []) if switch is not False else []
    return [(_to(rule), items + [v for v in value if v not in items])]


def quantity_list(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A single value -> a one-item list."""
    return [(_to(rule), value if isinstance(value, list) else [value])]


def keys_of(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A map {name: ...} -> the list of its names (the values carry nothing here)."""
    if not isinstance(value, dict):
        raise Unmappable("expected a map")
    return [(_to(rule), sorted(str(k) for k in value))]


def fields(rule: Rule, value: Any, _values: Mapping[str, Any]) -> Emit:
    """A map whose fields go to separate keys: `with.fields` {field: our key}; other fields not mapped."""
    if not isinstance(value, dict):
        raise Unmappable("expected a map")
    table: dict[str, str] = dict(rule.args.get("fields") or {})
    unknown = sorted(set(value) - set(table))
    if unknown:
        raise Unmappable(f"fields {', '.join(unknown)} have no equivalent here "
                         f"(only {', '.join(sorted(table))})")
    return [(table[k], v) for k, v in value.items() if v is not None]


TRANSFORMS: dict[str, Transform] = {
    "image": image,
    "enum": enum,
    "invert": invert,
    "clear": clear,
    "wrap": wrap,
    "flags": flags,
    "flag-map": flag_map,
    "config": config,
    "env-map": env_map,
    "env-list": env_list,
    "mycnf": mycnf,
    "list": quantity_list,
    "int": integer,
    "prepend": prepend,
    "thresholds": thresholds,
    "corefile": corefile_servers,
    "corefile-lines": corefile_lines,
    "san-list": san_list,
    "first-host": first_host,
    "pdb-spec": pdb_spec,
    "eck-nodesets": eck_nodesets,
    "cidr": cidr,
    "csv": csv,
    "copy": copy_to,
    "secret-object": secret_object,
    "also": with_also,
    "split": split_words,
    "no-templates": no_templates,
    "keys": keys_of,
    "fields": fields,
}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def describe(rule: Rule) -> str:
    """The feature table's note for a transform."""
    name = rule.transform or ""
    args = rule.args
    if name == "image":
        what = "registry, repository, tag and digest" if args.get("tags") else "registry and repository"
        return f"the reference is split into {what}"
    if name == "enum":
        pairs = [f"`{_json(k)}` → `{_json(v)}`" if v is not None else f"`{_json(k)}` → ours' default"
                 for k, v in dict(args["map"]).items()]
        also = [f"`{_json(v)}` also sets " + ", ".join(f"`{k}: {_json(x)}`" for k, x in dict(w).items())
                for v, w in dict(args.get("also") or {}).items()]
        text = "values: " + ", ".join(pairs) + ("; " + "; ".join(also) if also else "")
        return text + (f"; others: {args['why']}" if args.get("why") else "")
    if name == "invert":
        return "true and false swap"
    if name == "clear":
        return "null or empty clears ours"
    if name == "wrap":
        return f"becomes `{args['field']}` of that map"
    if name in ("flags", "flag-map"):
        typed = dict(args.get("flags") or {})
        parts = [f"`--{f}` → `{k}`" for f, (k, _) in typed.items()]
        own = [f"`--{f}`" for f in dict(args.get("own") or {})]
        text = "flags: " + ", ".join(parts) if parts else "flags"
        if own:
            text += "; " + ", ".join(own) + " set by the chart"
        return text + f"; other flags → `{rule.to}` (a map)"
    if name == "config":
        typed = dict(args.get("typed") or {})
        parts = [f"`{f}` → `{k}`" for f, (k, _) in typed.items()]
        own = [f"`{f}`" for f in dict(args.get("own") or {})]
        text = "settings the chart types: " + ", ".join(parts)
        if own:
            text += "; " + ", ".join(own) + " written by the chart"
        return text + "; the rest stay"
    if name == "env-map":
        return "a list of {name, value} becomes a map"
    if name == "env-list":
        return "a map becomes a list of {name, value}"
    if name == "mycnf":
        return "my.cnf without the settings the chart writes (paths, port, server id, GTID, TLS, read-only)"
    if name == "copy":
        return "the same value to each"
    if name == "secret-object":
        return (f"a Secret `{args['name']}` (key `{args['key']}`) in `{rule.to}`, named by `{args['ref']}`")
    if name == "also":
        return "and " + ", ".join(f"`{k}: {_json(v)}`" for k, v in dict(args.get("also") or {}).items())
    if name == "split":
        return "one string of flags becomes a list"
    if name == "no-templates":
        return "entries holding templates of upstream's values are named"
    if name == "cidr":
        return "one address becomes a one-item list of its /32 (/128)"
    if name == "san-list":
        return "`{dns: ..}`/`{ip: ..}` items become plain names and addresses"
    if name == "first-host":
        return "the first host and its path; more hosts are named"
    if name == "pdb-spec":
        fields = " and ".join(f"`{f}`" for f in args.get("fields") or ["minAvailable", "maxUnavailable"])
        return f"`{{}}` turns the budget off; {fields} carry over"
    if name == "eck-nodesets":
        return ("`config` keeps all but `node.roles` (→ `roles`) and `node.store.allow_mmap` (→ `allowMmap`); "
                "the pod template's resources, ES_JAVA_OPTS heap, scheduling and labels go to their typed keys; "
                "the `elasticsearch-data` claim becomes `storage`")
    if name == "corefile":
        return ("the root server's plugins become the typed keys (a plugin it lacks is turned off), other "
                "plugins `extraPlugins`; a server forwarding one zone becomes a `stubDomains` item, any other "
                "server `extraServerBlocks` text")
    if name == "corefile-lines":
        return "the directives become lines of text"
    if name == "thresholds":
        return "each `{percent, labels: {severity}}` becomes `{percent, severity}`"
    if name == "prepend":
        cond = f" while `{args['switch']}` is not false" if args.get("switch") else ""
        return f"upstream's template adds {_json(args.get('items'))}{cond}; here they are in the list"
    if name == "int":
        return "a number written as a string becomes a number"
    if name == "csv":
        return "a comma-separated string becomes a list"
    if name == "list":
        return "one value becomes a one-item list"
    if name == "keys":
        return "the map's names become a list"
    if name == "fields":
        return "fields: " + ", ".join(f"`{k}` → `{v}`" for k, v in dict(args["fields"]).items())
    return name


def outputs(rule: Rule) -> list[str]:
    """Every key of ours a rule may write (for the table and the schema check)."""
    if not rule.to:
        return []
    name, args = rule.transform, rule.args
    if name == "image":
        keys = [_sub(rule, "registry", "registry"), _sub(rule, "repository", "repository")]
        return keys + ([_sub(rule, "tag", "tag"), _sub(rule, "digest", "digest")] if args.get("tags") else [])
    if name in ("flags", "flag-map"):
        typed = [str(k) for k, _ in dict(args.get("flags") or {}).values()]
        absent = [str(k) for k, _ in dict(args.get("absent") or {}).values()]
        return list(dict.fromkeys([_to(rule), *typed, *absent]))
    if name == "copy":
        return [_to(rule), *[str(t) for t in args.get("targets") or []]]
    if name == "also":
        return [_to(rule), *[str(k) for k in dict(args.get("also") or {})]]
    if name == "enum" and args.get("also"):
        extra = [str(k) for w in dict(args["also"]).values() for k in dict(w)]
        return list(dict.fromkeys([_to(rule), *extra]))
    if name == "secret-object":
        return [_to(rule), str(args["ref"])]
    if name == "config":
        return list(dict.fromkeys([_to(rule), *[str(k) for k, _ in dict(args.get("typed") or {}).values()]]))
    if name == "first-host":
        return [str(v) for v in dict(args.get("targets") or {}).values()]
    if name == "pdb-spec":
        fields = args.get("fields") or ["minAvailable", "maxUnavailable"]
        return [f"{_to(rule)}.enabled", *[f"{_to(rule)}.{f}" for f in fields]]
    if name == "eck-nodesets":
        return [_to(rule), "allowMmap"]
    if name == "corefile":
        return ["kubernetes.zones", "kubernetes.reverseZones", "kubernetes.pods", "kubernetes.ttl",
                "kubernetes.fallthrough", "kubernetes.extraLines", "forward.to", "forward.maxConcurrent",
                "forward.policy", "forward.except", "forward.extraLines", "hosts.entries", "hosts.ttl",
                "hosts.fallthrough", "hosts.noReverse", "cache.ttl", "cache.extraLines", "health.lameduck",
                "reload.interval", "reload.jitter", "log.classes", "rewrites", "extraPlugins", "stubDomains",
                "extraServerBlocks", *[f"{p}.enabled" for p in ("errors", "health", "ready", "prometheus", "loop",
                                                                 "reload", "loadbalance", "cache", "forward",
                                                                 "kubernetes", "log")]]
    if name == "fields":
        return list(dict.fromkeys(str(v) for v in dict(args.get("fields") or {}).values()))
    return [_to(rule)]


# transforms that give an empty or null value a meaning of their own
ACCEPTS_EMPTY = {"enum", "invert", "clear", "pdb-spec", "prepend"}


def run(rule: Rule, value: Any, values: Mapping[str, Any]) -> Emit:
    if rule.transform is None:
        return [(_to(rule), value)]
    try:
        fn = TRANSFORMS[rule.transform]
    except KeyError as err:
        raise KeyError(f"{rule.key}: unknown transform {rule.transform!r} (known: {', '.join(TRANSFORMS)})") from err
    return fn(rule, value, values)
