"""The menu: invoke tasks over the chartops package. Run `inv --list`."""

from __future__ import annotations

from invoke import Collection, Context, Exit, task

from chartops import helm as helm_mod
from chartops.charts import applications, discover, get

HELP_CHART = "only this chart (default: every chart)"


def _helm(c: Context) -> helm_mod.Helm:
    """The helm every task uses; installs the pinned one when needed."""
    try:
        found = helm_mod.find()
    except helm_mod.HelmError as err:
        raise Exit(str(err), code=2) from err
    print(f"using {found.describe()}")
    return found


@task
def tools(c: Context) -> None:
    """Install the pinned helm/kubectl into .tools/bin when no helm >= 3.17 is on PATH, and say which is used."""
    _helm(c)


# --- the lead's tasks: render, lint, docs, build, test, bench ---
# --- delivery tasks (package, push, verify-published, images) ---
