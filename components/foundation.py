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

from config import StackConfig


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


def uses_aws(config: StackConfig) -> bool:
    """Whether anything of the stack lives in AWS: a created cluster, or a managed backing service."""
    msk = config.kafka.mode == "msk" and config.kafka_needed
    elasticache = config.assistant.enabled and config.assistant.lock_store.mode == "elasticache"
    managed = msk or elasticache or config.database.mode == "rds" or config.object_storage.mode == "s3"
    return config.cluster.creates_eks or managed


def from_config(config: StackConfig, kubeconfig: pulumi.Input[str] | None = None) -> Foundation:
    """The foundation a stack file describes: a cluster and a VPC that already exist.

    `kubeconfig`: the secret `kubeconfig` (contents), which wins over `kubernetes.kubeconfig` (a path).
    """
    cluster = ClusterAccess(
        context=config.kubernetes.context,
        kubeconfig=kubeconfig if kubeconfig is not None else config.kubernetes.kubeconfig,
    )
    aws = config.aws
    if not uses_aws(config) or aws is None:
        return Foundation(cluster=cluster, aws=None)
    return Foundation(
        cluster=cluster,
        aws=AwsFoundation(
            region=aws.region,
            vpc_id=aws.vpc_id,
            subnet_ids=list(aws.subnet_ids),
            zone_count=config.zone_count,
            client_security_group_ids=list(aws.client_security_group_ids),
            oidc_provider_arn=aws.oidc_provider_arn,
            oidc_issuer=aws.oidc_issuer,
            tags=dict(aws.tags),
        ),
    )
