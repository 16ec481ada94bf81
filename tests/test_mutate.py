"""The mutation tester plants the bugs it claims to, never in the work tree,
and the suite kills a small seeded sample of them (the full 300-mutant run is
`invoke mutate --sample 300 --seed 1`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from chartops import mutate
from tests.helpers import ROOT, renderer

CI_SAMPLE, CI_SEED, CI_THRESHOLD = 12, 20261206, 0.75


def _ops(mutants: list[mutate.Mutant]) -> set[tuple[str, tuple[str, ...]]]:
    return {(m.operator, m.new) for m in mutants}


def test_template_operators() -> None:
    lines = [
        "{{- if gt (int .Values.replicas) 1 }}",
        "  replicas: 3",
        "  enabled: true",
        '{{- include "common.fail" (dict "key" "a" "message" "b" "context" .) -}}',
        '  name: {{ required "set name" .Values.name }}',
        "    verbs: [get, list]",
        "{{- end }}",
        "{{/*",
        "a comment with 5 and true",
        "*/}}",
        '  msg: {{ printf "x and y" }}',
    ]
    found = _ops(list(mutate.template_mutants("t.yaml", lines)))
    assert ("swap comparison", ("{{- if ge (int .Values.replicas) 1 }}",)) in found
    assert ("change number", ("{{- if gt (int .Values.replicas) 2 }}",)) in found
    assert ("change number", ("  replicas: 4",)) in found
    assert ("delete line", ()) in found
    assert ("flip boolean", ("  enabled: false",)) in found
    assert ("drop fail", ()) in found
    assert ("drop required", ("  name: {{ .Values.name }}",)) in found
    assert ("drop RBAC item", ("    verbs: [list]",)) in found and ("drop RBAC item", ("    verbs: [get]",)) in found
    everything = list(mutate.template_mutants("t.yaml", lines))
    assert not [m for m in everything if m.line in (8, 9, 10)], "comments are not mutated"
    assert not [m for m in everything if m.line == 7], "a lone {{ end }} is not deleted (that only breaks parsing)"
    assert not [m for m in everything if m.line == 11 and m.operator == "swap comparison"], "not inside strings"


def test_an_inline_fail_is_neutralised_not_deleted() -> None:
    line = '{{- if not .Values.x }}{{ fail "x is required" }}{{ end }}'
    [m] = [m for m in mutate.template_mutants("t.yaml", [line]) if m.operator == "drop fail"]
    assert m.new == ('{{- if not .Values.x }}{{ printf "%.0s" "x is required" }}{{ end }}',)


def test_a_volume_mount_item_is_dropped_whole() -> None:
    lines = ["      volumeMounts:", "        - name: config", "          mountPath: /etc/x",
             "        - name: data", "          mountPath: /data", "      volumes:"]
    drops = [m for m in mutate.template_mutants("t.yaml", lines) if m.operator == "drop volumeMounts item"]
    assert [(m.line, m.old) for m in drops] == [
        (2, ("        - name: config", "          mountPath: /etc/x")),
        (4, ("        - name: data", "          mountPath: /data")),
    ]


def test_schema_operators_keep_the_json_valid() -> None:
    text = '{\n  "type": "integer",\n  "minimum": 1,\n  "maximum": 5\n}\n'
    mutants = list(mutate.schema_mutants("x.schema.json", text.splitlines()))
    assert {m.operator for m in mutants} >= {"drop schema minimum", "drop schema maximum", "change schema minimum"}
    for m in mutants:
        json.loads(m.apply(text))


def test_bash_and_python_operators() -> None:
    bash = ["#!/bin/sh", 'if [ "$n" -lt 3 ]; then', "  exit 1", "fi"]
    found = _ops(list(mutate.bash_mutants("x.sh", bash)))
    assert ("swap comparison", ('if [ "$n" -le 3 ]; then',)) in found
    assert ("delete line", ()) in found and ("change number", ("  exit 2",)) in found
    py = ["def f(x: int) -> bool:", "    y = x + 1", "    return x < 2 and True", ""]
    found = _ops(list(mutate.python_mutants("x.py", py)))
    assert ("swap comparison", ("    return x <= 2 and True",)) in found
    assert ("swap comparison", ("    return x < 2 or True",)) in found
    assert ("flip boolean", ("    return x < 2 and False",)) in found
    assert ("delete line", ()) in found


def test_a_mutant_refuses_a_file_that_changed() -> None:
    m = mutate.Mutant("f", 2, "delete line", ("b",), ())
    assert m.apply("a\nb\nc\n") == "a\nc\n"
    with pytest.raises(ValueError, match="changed"):
        m.apply("a\nx\nc\n")


def test_targets_and_selections() -> None:
    files = {str(p.relative_to(ROOT)) for p in mutate.target_files(ROOT)}
    assert "charts/metallb/templates/controller-role.yaml" in files
    assert "charts/metallb/values.schema.json" in files and "charts/mysql/files/backup.sh" in files
    assert "chartops/validate.py" in files and "chartops/mutate.py" not in files
    assert not [f for f in files if "/crds/" in f or f.endswith("NOTES.txt")]
    sel = mutate.selection(ROOT, mutate.Mutant("charts/metallb/templates/x.yaml", 1, "delete line", ("a",), ()))
    assert "test_metallb.py" in sel.files and "test_rbac.py" in sel.files and sel.keyword == "metallb"
    sel = mutate.selection(ROOT, mutate.Mutant("chartops/validate.py", 1, "delete line", ("a",), ()))
    assert "test_validate.py" in sel.files and sel.keyword is None


def test_the_sample_is_seeded() -> None:
    every = mutate.all_mutants(ROOT)
    assert len(every) > 1000
    a, b = mutate.sample(every, 30, 1), mutate.sample(every, 30, 1)
    assert a == b and a != mutate.sample(every, 30, 2)


def _tree_state() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "charts", "chartops"],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_a_seeded_sample_is_killed_in_a_throwaway_copy() -> None:
    """CI's small run: mutants are judged in a copy; the work tree is left as it was."""
    before = _tree_state()
    chosen = mutate.sample(mutate.all_mutants(ROOT), CI_SAMPLE, CI_SEED)
    report = mutate.run(chosen, str(renderer().helm.path), ROOT, jobs=2, baseline=False)
    assert _tree_state() == before
    assert len(report.outcomes) == CI_SAMPLE
    assert report.rate >= CI_THRESHOLD, report.text()


def test_a_survivor_is_reported_with_its_diff(tmp_path: Path) -> None:
    """A mutant no test can see (a line of a comment-only test file) survives and is shown."""
    copy = mutate.make_copy(ROOT, tmp_path / "copy")
    assert (copy / "charts" / "metallb" / "charts" / "common").is_symlink()
    m = mutate.Mutant("chartops/paths.py", 1, "delete line", (mutate_line := (ROOT / "chartops/paths.py")
                      .read_text().splitlines()[0],), ())
    outcome = mutate.judge(copy, m, mutate.Selection(("test_schema_cases.py",), "nothing-matches-this"),
                           str(renderer().helm.path), [])
    assert not outcome.killed and outcome.detail == "no test selected"
    report = mutate.Report([outcome])
    assert report.rate == 0 and f"-{mutate_line}" in report.text()
    assert (copy / "chartops/paths.py").read_text() == (ROOT / "chartops/paths.py").read_text(), "restored"
