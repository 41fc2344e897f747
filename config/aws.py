"""`aws`: the account-side facts the AWS-managed backing services are placed into."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Model

AwsRegion = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
SubnetId = Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]


class AwsConfig(Model):
    region: AwsRegion
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")] | None = None
    # Private subnets of the EKS cluster's VPC, one per availability zone used.
    subnet_ids: list[SubnetId] = []
    # Security group of the EKS nodes: the only source the databases and brokers admit.
    node_security_group_id: SecurityGroupId | None = None
    # IAM OIDC provider of the EKS cluster, for IAM roles for service accounts (IRSA).
    oidc_provider_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[A-Za-z0-9./_-]+$")] | None
    ) = None
    tags: dict[str, str] = {}

    @property
    def oidc_issuer(self) -> str | None:
        """Issuer host and path, the prefix of the IRSA trust policy's condition keys."""
        if self.oidc_provider_arn is None:
            return None
        return self.oidc_provider_arn.split(":oidc-provider/", 1)[1]
