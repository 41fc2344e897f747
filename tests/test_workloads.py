"""The workload registry (config/workloads.py) against what the program builds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from components.labels import NAME_LABEL, POD_GROUPS
from config import workloads
from tests.harness import SECRETS, STACKS, manifests, run_stack, stack_input
from tests.test_program import CONTRACT_COMPONENTS
from tools import program


def _pod_groups(obj: dict[str, Any]) -> set[str]:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template = spec.get("template")
    return {template["metadata"]["labels"][NAME_LABEL]} if template else set()


def test_the_registry_names_the_label_contract() -> None:
    assert set(workloads.COMPONENTS) == CONTRACT_COMPONENTS
    assert {w.group for w in workloads.WORKLOADS} == set(POD_GROUPS)
    assert len({w.group for w in workloads.WORKLOADS}) == len(workloads.WORKLOADS)


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_builds_exactly_the_workloads_the_registry_enables(stack: str) -> None:
    built = {g for m in manifests(run_stack(stack)) for g in _pod_groups(m)}
    config, problems = program.check(stack, stack_input(stack).plain)
    assert config is not None, problems
    declared = {w.group for w in workloads.enabled(config)}
    # The restore Job runs only when a restore is asked for; it shares the backup's settings.
    assert built <= declared
    assert declared - built <= {"postgresql-restore"}


def test_a_workload_missing_from_the_registry_cannot_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(workloads.BY_GROUP, "backend")
    given = stack_input("dev")
    with pytest.raises(LookupError, match=r"'backend' is not in config/workloads\.py"):
        program.run("dev", given.plain, {**SECRETS, **given.secrets})


def test_the_pod_settings_page_names_every_workloads_key() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "pod-settings.md").read_text()
    table = text[text.index("| Workload | Config key |") :].split("\n\n")[0]
    # `.trainingConsumer` after `modelService.pods.trainingOrchestrator` is shorthand for its sibling.
    named = {("modelService.pods" + k if k.startswith(".") else k) for k in re.findall(r"`([.\w]+)`", table)}
    assert {w.key for w in workloads.WORKLOADS} <= named
