"""Pieces the AWS-managed backing services share. Imported only when one of them is chosen."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_aws import ec2, kms

from ..context import Context
from .common import stateful


def customer_key(name: str, description: str, ctx: Context, parent: pulumi.Resource) -> kms.Key:
    """A rotating customer-managed KMS key, protected with the data it encrypts.

    Retained in every stack too: data written under a key (old objects after a switch to AES256,
    snapshots) stays readable only while the key exists, so Pulumi never schedules its deletion.
    """
    return kms.Key(
        f"{name}-key",
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        opts=stateful(ctx, parent, retain_on_delete=True),
    )


def clients_only_security_group(
    name: str,
    *,
    description: str,
    rule: str,
    vpc_id: pulumi.Input[str] | None,
    port: int,
    client_security_group_ids: pulumi.Input[Sequence[str]],
    parent: pulumi.Resource,
) -> ec2.SecurityGroup:
    """A security group admitting one TCP port from the given client security groups only.

    The clients are the foundation's client security groups (`aws.clientSecurityGroupIds`, or a
    created cluster's node and cluster security groups). No egress rules: the provider removes AWS's default allow-all, and replies need none.
    """
    return ec2.SecurityGroup(
        f"{name}-security-group",
        # A group's description cannot change without replacing the group (and what uses it), so
        # callers keep the one a stack was created with.
        description=description,
        vpc_id=vpc_id,
        ingress=[
            ec2.SecurityGroupIngressArgs(
                description=rule,
                protocol="tcp",
                from_port=port,
                to_port=port,
                security_groups=client_security_group_ids,
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
