"""The ALB profile: pod readiness gates for rollouts, and one story for the ranges it enters from."""

from __future__ import annotations

import re

import pytest

from components.namespace import ALB_READINESS_GATE_LABEL
from tests.harness import find, run_stack, stack_input
from tools import program

DOCS = program.ROOT / "docs"


def test_the_alb_namespace_injects_pod_readiness_gates() -> None:
    namespace = find(run_stack("staging"), "Namespace", "rasa-studio")
    assert namespace["metadata"]["labels"][ALB_READINESS_GATE_LABEL] == "enabled"
    # Only the ALB registers pods as targets; elsewhere the label would be noise.
    dev = find(run_stack("dev"), "Namespace", "rasa-studio")
    assert ALB_READINESS_GATE_LABEL not in dev["metadata"]["labels"]


def test_without_its_own_namespace_the_label_is_documented() -> None:
    text = (DOCS / "exposure.md").read_text()
    assert f"kubectl label namespace rasa-studio {ALB_READINESS_GATE_LABEL}=enabled" in text
    assert "kubernetes.createNamespace: false" in text


@pytest.mark.parametrize("cidr", ["10.1.0.0/16", "10.1.0.0/19", "0.0.0.0/0", "2001:db8::/56"])
def test_alb_ranges_wider_than_a_subnet_are_refused(cidr: str) -> None:
    plain = stack_input("staging", f"studio.entryPeer.cidrs=[10.1.0.0/24, '{cidr}']").plain
    config, problems = program.check("staging", plain)
    assert config is None
    assert any(p.startswith("rasa-studio:studio.entryPeer.cidrs: ") and cidr in p for p in problems), problems
    assert all("10.1.0.0/24," not in p for p in problems)


@pytest.mark.parametrize("cidr", ["10.1.0.0/20", "10.1.16.0/24", "2001:db8:0:1::/64"])
def test_alb_subnet_sized_ranges_pass(cidr: str) -> None:
    plain = stack_input("staging", f"studio.entryPeer.cidrs=['{cidr}']").plain
    config, problems = program.check("staging", plain)
    assert config is not None, problems


def test_every_place_says_the_albs_subnets_not_the_vpc() -> None:
    # The config reference, the exposure profile table and the error for a missing entryPeer.
    reference = (DOCS / "configuration.md").read_text()
    (row,) = [line for line in reference.splitlines() if line.startswith("| `studio.entryPeer.cidrs`")]
    assert "ALB's own subnets" in row and "never the whole VPC" in row
    exposure = (DOCS / "exposure.md").read_text()
    (alb,) = [
        line for line in exposure.splitlines() if "`studio.ingress.profile: alb`" in line and line.startswith("|")
    ]
    assert "the ALB's subnets" in alb
    plain = stack_input("staging").plain
    del plain["studio"]["entryPeer"]
    _, problems = program.check("staging", plain)
    (missing,) = [p for p in problems if p.startswith("rasa-studio:studio.entryPeer: ")]
    assert "ALB's subnets" in missing
    for text in (reference, exposure, missing):
        assert not re.search(r"the VPC's (ranges|for the ALB)|\(the VPC\)", text)
