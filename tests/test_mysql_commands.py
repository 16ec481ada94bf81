"""Each mysql container runs the chart's script for its job, shipped in the mounted scripts
ConfigMap; without its command a container would run the image's own entrypoint (mysqld)."""

from __future__ import annotations

from tests.helpers import containers, of_kind, pod_spec, render

EXPECTED = {"mysql": ["/scripts/run-mysqld.sh"], "agent": ["/scripts/agent.sh", "run"],
            "prepare": ["/scripts/prepare.sh"], "backup": ["/scripts/backup.sh"]}


def test_mysql_containers_run_their_scripts_from_the_mounted_configmap() -> None:
    objs = render("mysql", values_files=["charts/mysql/ci/backup-values.yaml"])
    seen = set()
    for o in objs:
        spec = pod_spec(o)
        if spec is None:
            continue
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for c in containers(o):
            assert c.get("command") == EXPECTED[c["name"]], f"{o['kind']} {c['name']}"
            script = c["command"][0]
            [mount] = [m for m in c.get("volumeMounts") or [] if script.startswith(m["mountPath"].rstrip("/") + "/")]
            cm_name = volumes[mount["name"]]["configMap"]["name"]
            [cm] = [m for m in of_kind(objs, "ConfigMap") if m["metadata"]["name"] == cm_name]
            assert script.rsplit("/", 1)[1] in cm["data"]
            mode = volumes[mount["name"]]["configMap"].get("defaultMode", 0o644)
            assert mode & 0o111, "the scripts must be executable"
            seen.add(c["name"])
    assert seen == set(EXPECTED)


def test_mysql_backup_never_overlaps_and_keeps_failed_runs_to_inspect() -> None:
    """A dump still running when the next is due is not doubled; more than the API's single failed
    Job is kept, so `kubectl logs` shows a streak of failed backups, not just the last."""
    [cron] = of_kind(render("mysql", values_files=["charts/mysql/ci/backup-values.yaml"]), "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["failedJobsHistoryLimit"] > 1
    assert cron["spec"]["successfulJobsHistoryLimit"] >= 1
