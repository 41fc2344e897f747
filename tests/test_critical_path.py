"""The CI `up` job outlasts every wait Pulumi may sit through, so Pulumi, not GitHub, ends a stuck update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import test_eks_foundation as eks_foundation
from tests.harness import run_stack
from tools.critical_path import critical_path, minutes, wait_minutes
from tools.mocks import Registration

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "deploy-stack.yml"
# Checkout, pip install, the Pulumi CLI and plugins, the preview `up` runs before it changes anything.
SETUP_MINUTES = 15


def up_job_limit() -> int:
    jobs: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return int(jobs["up"]["timeout-minutes"])


# The AWS stacks as given, and as they are with `cluster.mode: eks` (the cluster, its node group
# and add-ons come first in the chain).
RUNS = {
    "staging": lambda: run_stack("staging"),
    "prod": lambda: run_stack("prod"),
    "staging-eks": eks_foundation.staging,
    "prod-eks": eks_foundation.prod,
}


@pytest.mark.parametrize("stack", sorted(RUNS))
def test_the_up_job_outlasts_the_heaviest_chain_of_waits(stack: str) -> None:
    run = RUNS[stack]()
    worst = max((critical_path(run, op) for op in ("create", "update")), key=lambda p: p.minutes)
    assert up_job_limit() >= worst.minutes + SETUP_MINUTES, " -> ".join(worst.chain)


def test_the_former_hour_was_too_short() -> None:
    """The check fails for the limit the workflow had: RDS, the setup Jobs and the Studio waits
    alone exceed an hour."""
    run = run_stack("prod")
    create = critical_path(run, "create")
    assert create.minutes + SETUP_MINUTES > 60
    assert "rasa-studio-backing-postgresql-instance" in create.chain


def test_the_managed_services_state_their_timeouts() -> None:
    run = run_stack("prod")
    (rds,) = run.by_type("aws:rds/instance:Instance")
    (msk,) = run.by_type("aws:msk/cluster:Cluster")
    assert rds.custom_timeouts == {"create": "40m", "update": "80m", "delete": "60m"}
    # An hour, not terraform-provider-aws' two, for a creation: stuck by then.
    assert msk.custom_timeouts["create"] == "60m"


@pytest.mark.parametrize(("text", "expected"), [("10m", 10), ("1h30m", 90), ("90s", 2), ("2h", 120)])
def test_durations(text: str, expected: int) -> None:
    assert minutes(text) == expected


@pytest.mark.parametrize("text", ["", "ten minutes", "10"])
def test_a_malformed_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        minutes(text)


def _registration(typ: str, inputs: dict[str, Any], timeouts: dict[str, str] | None = None) -> Registration:
    return Registration(
        "urn", typ, "r", "", True, "", inputs, False, False, [], False, [], [], custom_timeouts=timeouts or {}
    )


def test_provider_waits() -> None:
    deployment = "kubernetes:apps/v1:Deployment"
    assert wait_minutes(_registration(deployment, {}), "create") == 10
    assert wait_minutes(_registration(deployment, {}, {"create": "3m"}), "create") == 3
    skipped = {"metadata": {"annotations": {"pulumi.com/skipAwait": "true"}}}
    assert wait_minutes(_registration(deployment, skipped), "create") == 0
    # customTimeouts cannot stretch the claim awaiter's fixed watch.
    claim = "kubernetes:core/v1:PersistentVolumeClaim"
    assert wait_minutes(_registration(claim, {}, {"create": "30m"}), "create") == 5
    assert wait_minutes(_registration("kubernetes:core/v1:ConfigMap", {}), "create") == 0
    assert wait_minutes(_registration("aws:msk/cluster:Cluster", {}), "update") == 120
