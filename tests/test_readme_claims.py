"""What the README says the AWS stacks use is what the staging render registers."""

from __future__ import annotations

from tests.harness import run_stack
from tools import program

README = (program.ROOT / "README.md").read_text()


def _stack_row(name: str) -> str:
    (row,) = [line for line in README.splitlines() if line.startswith(f"| {name}")]
    return row


def test_the_readme_names_iam_only_where_the_render_uses_it() -> None:
    run = run_stack("staging")
    (cluster,) = run.by_type("aws:msk/cluster:Cluster")
    sasl = cluster.inputs["clientAuthentication"]["sasl"]
    assert sasl.get("scram") is True and not sasl.get("iam")
    (database,) = run.by_type("aws:rds/instance:Instance")
    assert not database.inputs.get("iamDatabaseAuthenticationEnabled")
    # S3 is the one service reached through an IAM role for service accounts.
    roles = [r for r in run.by_type("aws:iam/role:Role") if "sts:AssumeRoleWithWebIdentity" in str(r.inputs)]
    assert roles

    row = _stack_row("`staging`, `prod`")
    assert "SCRAM" in row and "password" in row and "IRSA" in row
    assert "MSK, RDS, S3 with IAM roles" not in README
