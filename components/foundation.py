"""The foundation seam: what the program needs from the account and the cluster it deploys into.

Two sources build it: the stack config (`aws:` and `kubernetes:` name a cluster and a VPC that
already exist), or a cluster the same program creates (`cluster.mode: eks`). The providers and
the AWS-managed backing services read only this, so they do not care which.

Fields may be Outputs when the program creates the cluster. What must be known before anything
exists is plain: the region (the AWS provider and the region checks) and how many availability
zones the subnets span (MSK places brokers per zone, and config checks count zones rather than
subnet ids, which an EKS foundation only has once its VPC exists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class ClusterAccess:
    """How the Kubernetes provider reaches the cluster."""

    # A kubeconfig context name; None takes the kubeconfig's current context.
    context: str | None = None
    # Kubeconfig contents or a path; None reads KUBECONFIG, then ~/.kube/config. An Output when
    # the program creates the cluster (pulumi-kubernetes replaces its provider only when the
    # active cluster changes, or while the value is unknown at preview: provider.go DiffConfig).
    kubeconfig: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class AwsFoundation:
    """Where the AWS-managed backing services go and who may reach them."""

    region: str
    vpc_id: pulumi.Input[str] | None
    # Private subnets, one per availability zone used.
    subnet_ids: pulumi.Input[Sequence[str]]
    zone_count: int
    # Security groups whose members may connect to RDS and MSK (the nodes', the cluster's).
    client_security_group_ids: pulumi.Input[Sequence[str]]
    # IAM roles for service accounts: the cluster's OIDC provider and its issuer host/path.
    oidc_provider_arn: pulumi.Input[str] | None
    oidc_issuer: pulumi.Input[str] | None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Foundation:
    cluster: ClusterAccess
    # None where nothing of the stack lives in AWS.
    aws: AwsFoundation | None
    # What must exist before any workload is created (a created cluster's nodes and add-ons).
    ready: Sequence[pulumi.Resource] = ()
