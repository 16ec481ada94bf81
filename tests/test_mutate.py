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


def _news(mutants: list[mutate.Mutant], operator: str) -> list[tuple[int, str]]:
    return [(m.line, m.new[0].strip()) for m in mutants if m.operator == operator]


def test_selector_and_label_values_are_changed() -> None:
    lines = [
        '{{- define "demo.selectorLabels" -}}',
        'app.kubernetes.io/name: {{ include "demo.name" . }}',
        "app.kubernetes.io/instance: {{ .Release.Name | quote }}",
        "{{- end }}",
        "spec:",
        "  selector:",
        "    matchLabels:",
        "      app.kubernetes.io/component: speaker",
        "  template:",
        "    metadata:",
        "      annotations:",
        "        checksum/config: {{ include (print $.Template.BasePath \"/cm.yaml\") . | sha256sum }}",
        "    spec:",
        "      nodeSelector:",
        "        kubernetes.io/os: linux",
    ]
    found = _news(list(mutate.template_mutants("t.yaml", lines)), "change label")
    assert found == [
        (2, 'app.kubernetes.io/name: {{ include "demo.name" . }}-x'),
        (3, 'app.kubernetes.io/instance: {{ .Release.Name | printf "%s-x" | quote }}'),
        (8, "app.kubernetes.io/component: speaker-x"),
    ], "annotations and node selectors are not labels of the chart's objects"


def test_port_names_and_references_are_changed() -> None:
    lines = [
        "          ports:",
        "            - name: metrics",
        "              containerPort: 9090",
        "          livenessProbe:",
        "            httpGet:",
        "              port: metrics",
        "              path: /healthz",
        "  ports:",
        "  - name: https-webhook",
        "    port: 443",
        "    targetPort: webhook",
        "    port: 8443",
        '{{- define "x.ports" -}}',
        "- {name: http, containerPort: 80}",
        "- name: dns-tcp",
        "  containerPort: 53",
        "{{- end }}",
    ]
    found = _news(list(mutate.template_mutants("t.yaml", lines)), "change port name")
    assert found == [(2, "- name: metricsx"), (6, "port: metricsx"), (9, "- name: https-webhookx"),
                     (11, "targetPort: webhookx"), (15, "- name: dns-tcpx")]
    assert all(len(new.split(": ")[1]) <= 15 for _, new in found), "port names stay within 15 characters"
    (long,) = _news(list(mutate.template_mutants("t.yaml", ["ports:", "- name: readiness-probe"])), "change port name")
    assert long == (2, "- name: readiness-probx")


def test_env_names_are_changed() -> None:
    lines = [
        "          env:",
        "            - name: POD_NAME",
        "              valueFrom: {fieldRef: {fieldPath: metadata.name}}",
        '{{- define "x.env" -}}',
        "- name: DB_HOST",
        "  value: {{ .Values.host | quote }}",
        "{{- end }}",
        "      volumes:",
        "        - name: DATA",
        "          emptyDir: {}",
    ]
    found = _news(list(mutate.template_mutants("t.yaml", lines)), "change env name")
    assert found == [(2, "- name: POD_NAME_X"), (5, "- name: DB_HOST_X")]


def test_a_lookup_is_dropped_for_an_empty_answer() -> None:
    lines = [
        '{{- $existing := (lookup "v1" "Secret" $ns .name).data | default dict -}}',
        '{{- $s := lookup "v1" "Secret" (include "x.ns" .) $name -}}',
        '{{- $t := lookup "v1" "Secret" .ns .name | default dict }}',
        "# a lookup in a comment",
        '  msg: {{ "lookup here" | quote }}',
    ]
    found = _news(list(mutate.template_mutants("t.yaml", lines)), "drop lookup")
    assert found == [(1, "{{- $existing := (dict).data | default dict -}}"), (2, "{{- $s := dict -}}"),
                     (3, "{{- $t := dict | default dict }}")]


def test_or_true_goes_where_a_failure_would_have_stopped_something() -> None:
    script = [
        "#!/bin/bash",
        "set -u",
        "ready() {",
        '  [ "$(cat /tmp/state)" = ok ]',
        "}",
        "run() {",
        '  if [ "$role" = a ]; then',
        "    step_a",
        "  else",
        "    step_b",
        "  fi",
        "}",
        "copy_files",
        "echo done",
        'x=$((x + 1))',
        "while true; do",
        "  beat",
        "done",
        "until probe; do sleep 1; done",
        "final_step \\",
        "  --flag",
    ]
    found = _news(list(mutate.bash_mutants("x.sh", script)), "add || true")
    assert found == [
        (4, '[ "$(cat /tmp/state)" = ok ] || true'),  # a function's answer
        (8, "step_a || true"), (10, "step_b || true"),  # the last command of each branch is run()'s answer
        (21, "--flag || true"),  # the script's exit status, on the last line of the continued command
    ], "without errexit a line whose status nobody reads is left alone (that mutant would be equivalent)"
    errexit = ["#!/bin/sh", "set -eu", "copy_files", "echo done", "umask 077", "mv a b"]
    assert _news(list(mutate.bash_mutants("x.sh", errexit)), "add || true") == [
        (3, "copy_files || true"), (6, "mv a b || true")]


def test_or_true_reaches_scripts_written_into_templates() -> None:
    lines = [
        "          command: [\"/bin/sh\", \"-ec\"]",
        "          args:",
        "            - |",
        "              cp -R /src/. /dst/",
        "              echo copied",
        "          resources: {}",
        "          command: [\"/bin/sh\", \"-c\"]",
        "          args:",
        "            - |",
        "              prepare",
        "              install_it",
    ]
    found = _news(list(mutate.template_mutants("t.yaml", lines)), "add || true")
    assert found == [(4, "cp -R /src/. /dst/ || true"), (11, "install_it || true")]


def test_the_report_gives_the_time_per_mutant_and_in_total() -> None:
    a = mutate.Mutant("charts/x/templates/a.yaml", 1, "delete line", ("a",), ())
    b = mutate.Mutant("charts/x/templates/b.yaml", 2, "change port name", ("- name: http",), ("- name: httpx",))
    report = mutate.Report([mutate.Outcome(a, True, 4.0), mutate.Outcome(b, False, 10.0)], seconds=15.0)
    text = report.text()
    assert "time per mutant: mean 7.0 s, median 10.0 s, slowest 10.0 s (charts/x/templates/b.yaml:2:change port " \
           "name); 15 s in total" in text
    assert "  killed      4.0 s  charts/x/templates/a.yaml:1:delete line" in text
    assert "  change port name: 0/1 killed" in text and "  delete line: 1/1 killed" in text
    assert mutate.survivors_of_text(text) == [b]


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


def test_boolean_keywords_whose_flip_changes_nothing_are_left_alone() -> None:
    py = ["@dataclass(frozen=True)", "class A:", "    x: int", "",
          "def f(a: list[int], b: list[int]) -> None:",
          "    print(list(zip(a, b, strict=True)), flush=True)",
          "    run(a, check=False)"]
    flips = [m.new[0].strip() for m in mutate.python_mutants("x.py", py) if m.operator == "flip boolean"]
    assert flips == ["run(a, check=True)"]


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


def test_a_surviving_dropped_lookup_says_where_it_is_tested(tmp_path: Path) -> None:
    """helm template answers every lookup with nothing, so only the cluster tier can see one dropped."""
    path = ROOT / "charts/common/templates/_utils.tpl"
    # the generated Secret's lookup (the hooks' lookup of a live object is another)
    (m,) = [m for m in mutate.mutants_of(ROOT, path) if m.operator == "drop lookup" and '"Secret"' in m.old[0]]
    copy = mutate.make_copy(ROOT, tmp_path / "copy")
    outcome = mutate.judge(copy, m, mutate.Selection(("test_docs.py",), "metadata and common"),
                           str(renderer().helm.path), [])
    assert not outcome.killed and "the cluster tier does (tests/test_cluster_lifecycle.py" in outcome.detail
