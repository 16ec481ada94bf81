"""PromQL of the charts' rules and dashboards: the expressions, and the metric names they read.

promtool parses every expression (tests/test_monitoring_rules.py, tests/test_dashboards.py); here a
small tokenizer takes the metric names out of them, for the check against what the running
components expose (tests/test_monitoring.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.helpers import of_kind, render

# Every monitoring object of a chart: global.monitoring turns on its monitors, rules and dashboards.
ALL_ON: dict[str, dict[str, Any]] = {
    "metallb": {}, "coredns": {}, "ingress-nginx": {"controller": {"metrics": {"enabled": True}}},
    "eck-operator": {"config": {"metrics": {"port": 9090}}}, "metrics-server": {}, "calico": {},
    # the apps' exporters are sidecars or Deployments of their own: global.monitoring does not start them
    "mysql": {"auth": {"database": "wp", "username": "wp"}, "metrics": {"enabled": True}},
    "elasticsearch": {"metrics": {"enabled": True}},
    "traefik": {},
}

# Grafana's variables, replaced by values PromQL accepts before parsing.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
             "offset", "inf", "nan", "atan2", "start", "end"}


def render_all_on(chart: str) -> list[dict[str, Any]]:
    values = {"global": {"monitoring": {"enabled": True}}, **ALL_ON[chart]}
    return render(chart, values)


def dashboard_json(chart: str) -> list[dict[str, Any]]:
    found = []
    for cm in of_kind(render_all_on(chart), "ConfigMap"):
        if (cm["metadata"].get("labels") or {}).get("grafana_dashboard") == "1":
            found += [json.loads(text) for text in cm["data"].values()]
    return found


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in panels:
        out.append(p)
        out += _panels(p.get("panels") or [])
    return out


def dashboard_expressions(dashboard: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in _panels(dashboard.get("panels") or []) for t in p.get("targets") or [] if t.get("expr")]
    for var in (dashboard.get("templating") or {}).get("list") or []:
        query = var.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        found = re.fullmatch(r"\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)\s*", text or "")
        if found:
            exprs.append(found.group(1))
    return [grafana_to_promql(e) for e in exprs]


def grafana_to_promql(expr: str) -> str:
    for var, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(var, value)
    return re.sub(r"\$\{?[a-zA-Z_][a-zA-Z0-9_]*(?::[a-z]+)?\}?", ".*", expr)


def rule_expressions(chart: str) -> list[str]:
    return [r["expr"] for rule in of_kind(render_all_on(chart), "PrometheusRule")
            for g in rule["spec"]["groups"] for r in g["rules"]]


def chart_expressions(chart: str) -> list[str]:
    return rule_expressions(chart) + [e for d in dashboard_json(chart) for e in dashboard_expressions(d)]


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (the identifiers that are neither functions, keywords,
    label names of matchers and groupings, nor inside strings)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)  # groupings
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        rest = text[m.end():].lstrip()
        word = m.group(0)
        before = text[:m.start()]
        if rest.startswith("(") or word.lower() in _KEYWORDS or re.search(r"[0-9.]$", before):
            continue
        names.add(word)
    return names
