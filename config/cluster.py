"""`cluster`: whether the stack deploys into a cluster that exists, or creates an EKS cluster first."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .aws import SubnetId
from .base import Model
from .errors import InvalidKey
from .kubernetes import Cidr

# The minor versions EKS offers for a new cluster (docs.aws.amazon.com/eks/latest/userguide/
# kubernetes-versions.html, release calendar); 1.32 and 1.33 are in extended support, at extra cost.
EKS_VERSIONS = ("1.32", "1.33", "1.34", "1.35")
IamPrincipalArn = Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")]
# Instance families the node sizing knows (components/eks/nodes.py), by memory per vCPU.
NodeFamily = Literal["m7i", "m6i", "r7i", "c7i"]


def _private_range(value: str) -> str:
    if not ipaddress.ip_network(value).is_private:
        raise ValueError("must be a private range (RFC 1918), e.g. 10.0.0.0/16")
    return value


class EksNodes(Model):
    family: NodeFamily = "m7i"
    """The instance family of the managed node group; the size within it follows modelService.nodeSize."""
    spare: Annotated[int, Field(ge=0, le=10)] = 1
    """Nodes beyond the peak the capacity output counts, for rolling updates and a lost zone."""
    root_volume_gib: Annotated[int, Field(ge=20, le=1000)] = 50
    """Each node's root volume (encrypted gp3): images and the pods' ephemeral storage."""
    metadata_hop_limit: Literal[1, 2] = 1
    """
    IMDSv2 hop limit: 1 keeps pods (not on the host network) away from the node role's credentials; 2 lets pods reach
    the instance metadata (docs/eks.md, "Instance metadata").
    """


class ClusterConfig(Model):
    mode: Literal["existing", "eks"] = "existing"
    """
    existing: deploy into the cluster kubernetes.context names (aws: describes its VPC); eks: create the VPC (unless
    aws.vpcId and aws.subnetIds are given), the EKS cluster, its nodes and add-ons in the same `pulumi up`
    (docs/eks.md).
    """
    version: Literal[EKS_VERSIONS] = "1.34"  # type: ignore[valid-type]
    """EKS control-plane version of a created cluster."""
    public_access_cidrs: list[Cidr] = []
    """
    Ranges that may reach the cluster's public API endpoint; empty: private endpoint only (then `pulumi up` must run
    from inside the VPC or a peered network).
    """
    admins: list[IamPrincipalArn] = []
    """IAM roles or users given cluster admin through EKS access entries (AmazonEKSClusterAdminPolicy)."""
    vpc_cidr: Cidr = "10.0.0.0/16"
    """The range of a created VPC (private, /20 or larger)."""
    zones: Annotated[int, Field(ge=2, le=6)] = 3
    """Availability zones a created VPC spans, a private and a public subnet each (RDS and MSK use them too)."""
    public_subnet_ids: list[SubnetId] = []
    """
    Public subnets for internet-facing load balancers when aws.subnetIds gives the private ones; they must carry the
    kubernetes.io/role/elb tag (docs/eks.md).
    """
    nodes: EksNodes = EksNodes()

    @model_validator(mode="after")
    def _ranges(self) -> ClusterConfig:
        try:
            _private_range(self.vpc_cidr)
        except ValueError as exc:
            raise InvalidKey("vpcCidr", str(exc)) from None
        if ipaddress.ip_network(self.vpc_cidr).prefixlen > 20:
            # Pods take VPC addresses (vpc-cni): the private subnets get an eighth of the range each.
            raise InvalidKey(
                "vpcCidr",
                "must be /20 or larger: each zone's private subnet, where pods get their addresses, takes an eighth",
            )
        if len(set(self.admins)) != len(self.admins):
            raise InvalidKey("admins", "a principal is listed more than once (EKS takes one access entry each)")
        return self

    @property
    def creates_eks(self) -> bool:
        return self.mode == "eks"
