"""A small Corefile parser, enough to check what the coredns chart generates.

A Corefile is a list of server blocks (`ZONE[:PORT] ... {`), each holding one
directive (plugin) per line; a line ending in `{` opens a sub-block that a
line `}` closes. `#` starts a comment at the beginning of a token. That is the
subset of the Caddyfile syntax CoreDNS configurations use.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

# CoreDNS executes a server block's plugins in the order of its compiled-in
# plugin.cfg (CoreDNS 1.12), whatever their order in the Corefile.
PLUGIN_ORDER: tuple[str, ...] = (
    "metadata",
    "geoip",
    "cancel",
    "tls",
    "quic",
    "timeouts",
    "multisocket",
    "reload",
    "nsid",
    "bufsize",
    "root",
    "bind",
    "debug",
    "trace",
    "ready",
    "health",
    "pprof",
    "prometheus",
    "errors",
    "log",
    "dnstap",
    "local",
    "dns64",
    "acl",
    "any",
    "chaos",
    "loadbalance",
    "tsig",
    "cache",
    "rewrite",
    "header",
    "dnssec",
    "autopath",
    "minimal",
    "template",
    "transfer",
    "hosts",
    "route53",
    "azure",
    "clouddns",
    "k8s_external",
    "kubernetes",
    "file",
    "auto",
    "secondary",
    "etcd",
    "loop",
    "forward",
    "grpc",
    "erratic",
    "whoami",
    "on",
    "sign",
    "view",
)
# Plugins that may appear more than once in one server block.
REPEATABLE = frozenset({"rewrite", "template"})


class CorefileError(ValueError):
    """The text is not a well-formed Corefile."""


@dataclass
class Directive:
    name: str
    args: list[str]
    body: list[Directive] = field(default_factory=list)
    line: int = 0

    def sub(self, name: str) -> list[Directive]:
        """Sub-directives of this one with the given name."""
        return [d for d in self.body if d.name == name]


@dataclass
class ServerBlock:
    keys: list[str]
    directives: list[Directive]
    line: int = 0

    @property
    def plugins(self) -> list[str]:
        return [d.name for d in self.directives]

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.directives if d.name == name]

    def get(self, name: str) -> Directive:
        found = self.all(name)
        if len(found) != 1:
            raise KeyError(f"{self.keys}: expected one {name!r}, found {len(found)} among {self.plugins}")
        return found[0]

    def has(self, name: str) -> bool:
        return bool(self.all(name))


def _tokens(line: str, number: int) -> list[str]:
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    lexer.escape = ""  # backslashes belong to regexes, not to the lexer
    try:
        return list(lexer)
    except ValueError as err:
        raise CorefileError(f"line {number}: {err}: {line!r}") from err


def parse(text: str) -> list[ServerBlock]:
    """Server blocks of a Corefile; raises CorefileError on unbalanced or misplaced braces."""
    blocks: list[ServerBlock] = []
    # stack[0] is the server block's directive list, deeper entries are open sub-blocks.
    stack: list[list[Directive]] = []
    current: ServerBlock | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw, number)
        if not tokens:
            continue
        if tokens == ["}"]:
            if not stack:
                raise CorefileError(f"line {number}: '}}' without an open block")
            stack.pop()
            if not stack:
                assert current is not None
                blocks.append(current)
                current = None
            continue
        if "}" in tokens or tokens.count("{") > 1 or ("{" in tokens and tokens[-1] != "{"):
            raise CorefileError(f"line {number}: braces must end a line or stand alone: {raw!r}")
        opens = tokens[-1] == "{"
        words = tokens[:-1] if opens else tokens
        if not stack:
            if not opens:
                raise CorefileError(f"line {number}: {raw.strip()!r} is outside any server block")
            if not words:
                raise CorefileError(f"line {number}: a server block needs at least one zone")
            current = ServerBlock(keys=words, directives=[], line=number)
            stack.append(current.directives)
            continue
        if not words:
            raise CorefileError(f"line {number}: a sub-block needs a directive in front of '{{'")
        directive = Directive(name=words[0], args=words[1:], line=number)
        stack[-1].append(directive)
        if opens:
            stack.append(directive.body)
    if stack:
        raise CorefileError(f"unclosed block: {len(stack)} '{{' without '}}' at the end")
    return blocks


def order_violations(block: ServerBlock) -> list[str]:
    """Plugins written out of plugin.cfg order, or unknown to CoreDNS."""
    problems = []
    last = -1
    for name in block.plugins:
        if name not in PLUGIN_ORDER:
            problems.append(f"{name!r} is not a CoreDNS plugin")
            continue
        index = PLUGIN_ORDER.index(name)
        if index < last:
            problems.append(f"{name!r} comes after {PLUGIN_ORDER[last]!r}")
        last = max(last, index)
    return problems


def duplicates(block: ServerBlock) -> list[str]:
    """Plugins that appear twice in a block although CoreDNS allows them once."""
    seen: set[str] = set()
    dups = []
    for name in block.plugins:
        if name in seen and name not in REPEATABLE:
            dups.append(name)
        seen.add(name)
    return dups


def zone_of(block: ServerBlock) -> list[str]:
    """The zones of a block without ports: `corp.feng.org:53` -> `corp.feng.org`."""
    return [key.rsplit(":", 1)[0] if ":" in key else key for key in block.keys]
