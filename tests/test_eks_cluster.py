"""CI finds the EKS cluster of a stack from its kubeconfig context."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.eks_cluster import EksCluster, for_stack, main, parse_context
from tools.program import ROOT


def test_parses_an_eks_cluster_arn() -> None:
    arn = "arn:aws:eks:eu-central-1:111122223333:cluster/studio-prod"
    assert parse_context(arn) == EksCluster(region="eu-central-1", name="studio-prod", context=arn)


@pytest.mark.parametrize(
    "context",
    ["kind-rasa-studio", "arn:aws:eks:eu-central-1:1111:cluster/x", "arn:aws:iam::111122223333:role/x", ""],
)
def test_other_contexts_are_not_eks(context: str) -> None:
    assert parse_context(context) is None


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_aws_stacks_name_an_eks_cluster(stack: str) -> None:
    cluster = for_stack(stack)
    assert cluster is not None
    assert cluster.name == f"studio-{stack}"


def test_dev_is_not_on_eks(capsys: pytest.CaptureFixture[str]) -> None:
    assert for_stack("dev") is None
    assert main(["dev"]) == 1


def test_prints_github_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["region=eu-central-1", "cluster=studio-prod"]


def test_a_created_cluster_is_found_by_its_instance_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_file = (
        (ROOT / "Pulumi.staging.yaml")
        .read_text()
        .replace("rasa-studio:instance: staging", "rasa-studio:instance: studio-eu")
    )
    (tmp_path / "Pulumi.staging.yaml").write_text(stack_file + "  rasa-studio:cluster:\n    mode: eks\n")
    cluster = for_stack("staging", root=tmp_path)
    assert cluster == EksCluster(region="eu-central-1", name="rasa-studio-studio-eu", context="", created=True)
    # An existing cluster: the workflow writes the kubeconfig itself.
    assert main(["prod"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "created=false"
