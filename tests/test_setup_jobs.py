"""No silent hangs: every Job and init container that waits bounds its wait and says what it waits for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from tests.harness import SECRETS, STACKS, run_config, run_stack, stack_input
from tools import output
from tools.mocks import Registration
from tools.shell_scripts import scripts

DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
# Seconds a wait loop gives itself, from `deadline=$(( $(date +%s) + N ))`.
WAIT_BOUND = re.compile(r"deadline=\$\(\( \$\(date \+%s\) \+ (\d+) \)\)")
# A Job must fail by itself this long before Pulumi would stop awaiting it.
MARGIN_SECONDS = 60
# pulumi-kubernetes' await timeout for a Job without customTimeouts.
PULUMI_JOB_TIMEOUT_SECONDS = 10 * 60


def seconds(duration: str) -> int:
    match = DURATION.match(duration)
    assert match and duration, duration
    h, m, s = (int(g or 0) for g in match.groups())
    return h * 3600 + m * 60 + s


def wait_problems(job: Mapping[str, Any], timeouts: Mapping[str, str]) -> list[str]:
    """Why a rendered Job could hang `pulumi up` silently; empty when it cannot."""
    name = job["metadata"]["name"]
    spec = job["spec"]
    pod = spec["template"]["spec"]
    problems = []
    deadline = spec.get("activeDeadlineSeconds")
    awaited = min((seconds(timeouts[k]) for k in ("create", "update") if k in timeouts), default=None)
    awaited = PULUMI_JOB_TIMEOUT_SECONDS if awaited is None else awaited
    if deadline is None:
        problems.append(f"{name}: no activeDeadlineSeconds")
    elif deadline > awaited - MARGIN_SECONDS:
        problems.append(f"{name}: activeDeadlineSeconds {deadline} not inside Pulumi's {awaited}s await")
    for script in scripts([job]):
        if not re.search(r"\b(until|while)\b", script.text):
            continue
        bound = WAIT_BOUND.search(script.text)
        if bound is None or "gave up after" not in script.text or "waiting for " not in script.text:
            problems.append(f"{script.origin}: a loop without a logged deadline")
        elif deadline is not None and int(bound.group(1)) >= deadline:
            problems.append(f"{script.origin}: waits {bound.group(1)}s, longer than the Job's deadline")
    for c in [*pod.get("initContainers", []), *pod["containers"]]:
        if c.get("terminationMessagePolicy") != "FallbackToLogsOnError":
            problems.append(f"{name} {c['name']}: its last log lines do not become the termination message")
    return problems


def jobs(registrations: list[Registration]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    return [(output.manifest(r), r.custom_timeouts) for r in registrations if r.type == "kubernetes:batch/v1:Job"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_job_bounds_its_waits_inside_pulumis_timeout(stack: str) -> None:
    found = jobs(run_stack(stack).registrations)
    names = sorted(re.sub(r"-[0-9a-f]{8}$", "", j["metadata"]["name"]) for j, _ in found)
    expected = {
        "dev": ["database-init", "kafka-topics", "minio-bucket", "studio-database-migration"],
        "staging": ["database-init", "kafka-topics", "studio-database-migration"],
        "prod": ["database-init", "kafka-topics", "studio-database-migration"],
    }
    assert names == expected[stack]
    assert [p for job, timeouts in found for p in wait_problems(job, timeouts)] == []


def test_the_embedded_architecture_bounds_its_waits_too() -> None:
    given = stack_input("dev", "studio.version=1.12.0", "modelService.architecture=embedded")
    run = run_config("dev", given.plain, {**SECRETS, **given.secrets})
    assert [p for job, timeouts in jobs(run.registrations) for p in wait_problems(job, timeouts)] == []


def _job(command: list[str], deadline: int | None, policy: str | None = "FallbackToLogsOnError") -> dict[str, Any]:
    container: dict[str, Any] = {"name": "wait", "image": "x", "command": command}
    if policy:
        container["terminationMessagePolicy"] = policy
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container]}}}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    return {"kind": "Job", "metadata": {"name": "probe"}, "spec": spec}


def test_the_check_catches_the_waits_that_used_to_hang() -> None:
    # What database-init ran before: an endless loop, no deadline, Pulumi's default await.
    old = _job(["sh", "-c", "set -eu\nuntil pg_isready --dbname postgres; do sleep 2; done\n"], None, None)
    assert wait_problems(old, {}) == [
        "probe: no activeDeadlineSeconds",
        "Job/probe containers[wait] command: a loop without a logged deadline",
        "probe wait: its last log lines do not become the termination message",
    ]
    # A deadline Pulumi's await would reach first.
    assert wait_problems(_job(["true"], 600), {"create": "10m"}) == [
        "probe: activeDeadlineSeconds 600 not inside Pulumi's 600s await"
    ]
