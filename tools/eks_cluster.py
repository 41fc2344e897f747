"""The EKS cluster a stack deploys to, for CI: `python -m tools.eks_cluster STACK`.

Prints `region=...`, `cluster=...`, `context=...` and `created=...` lines (append them to
$GITHUB_OUTPUT). For an existing cluster they come from the stack file's `kubernetes.context`:
`aws eks update-kubeconfig` names the context it writes after the cluster ARN, which is exactly
what the staging and prod stack files name, so the program's explicit provider finds it in CI as
on a laptop. A cluster the stack creates (`cluster.mode: eks`) is named after the stack's
`instance` (components/names.py) and reached through the kubeconfig the program builds itself, so
`created=true` tells the workflow to skip `update-kubeconfig` (the cluster may not exist yet).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from components.names import eks_cluster_name

from . import program, stackfile

_EKS_ARN = re.compile(r"^arn:aws[a-z-]*:eks:(?P<region>[a-z0-9-]+):\d{12}:cluster/(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)$")


@dataclass(frozen=True)
class EksCluster:
    region: str
    name: str
    context: str
    # The stack creates the cluster itself (`cluster.mode: eks`).
    created: bool = False


def parse_context(context: str) -> EksCluster | None:
    """The cluster behind an EKS context name (its ARN); None for any other context."""
    match = _EKS_ARN.match(context)
    if match is None:
        return None
    return EksCluster(region=match["region"], name=match["name"], context=context)


def for_stack(stack: str, root: Path = program.ROOT) -> EksCluster | None:
    given = stackfile.read(root / f"Pulumi.{stack}.yaml")
    cluster, aws = given.plain.get("cluster") or {}, given.plain.get("aws") or {}
    if isinstance(cluster, dict) and cluster.get("mode") == "eks" and isinstance(aws, dict) and aws.get("region"):
        instance = given.plain.get("instance") or stack
        return EksCluster(region=str(aws["region"]), name=eks_cluster_name(str(instance)), context="", created=True)
    kubernetes = given.plain.get("kubernetes") or {}
    context = kubernetes.get("context") if isinstance(kubernetes, dict) else None
    return parse_context(context) if isinstance(context, str) else None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.eks_cluster STACK", file=sys.stderr)
        return 2
    try:
        cluster = for_stack(argv[0])
    except stackfile.StackFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    if cluster is None:
        print(f"{argv[0]}: kubernetes.context is not an EKS cluster ARN, and cluster.mode is not eks", file=sys.stderr)
        return 1
    print(f"region={cluster.region}\ncluster={cluster.name}\ncontext={cluster.context}")
    print(f"created={str(cluster.created).lower()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
