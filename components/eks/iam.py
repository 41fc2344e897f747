"""IAM roles the created cluster's parts assume, and their trust policies."""

from __future__ import annotations

import json

import pulumi
from pulumi_aws import iam

# EKS Pod Identity: the agent add-on assumes the role for the pod's ServiceAccount
# (docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html).
POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def trust(service: str, *actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions) or "sts:AssumeRole"}
            ],
        },
        sort_keys=True,
    )


def service_role(
    name: str,
    *,
    description: str,
    service: str,
    managed: tuple[str, ...],
    parent: pulumi.Resource,
    actions: tuple[str, ...] = (),
) -> iam.Role:
    """A role `service` assumes, with AWS-managed policies attached."""
    role = iam.Role(
        f"{name}-role",
        description=description,
        assume_role_policy=trust(service, *actions),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for policy in managed:
        iam.RolePolicyAttachment(
            f"{name}-{policy}",
            role=role.name,
            policy_arn=f"arn:aws:iam::aws:policy/{policy}",
            opts=pulumi.ResourceOptions(parent=role),
        )
    return role


def pod_identity_role(name: str, *, description: str, managed: tuple[str, ...], parent: pulumi.Resource) -> iam.Role:
    # sts:TagSession too: the agent tags the session with the cluster, namespace and ServiceAccount.
    return service_role(
        name,
        description=description,
        service=POD_IDENTITY_PRINCIPAL,
        managed=managed,
        parent=parent,
        actions=("sts:AssumeRole", "sts:TagSession"),
    )
