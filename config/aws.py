"""`aws`: the account-side facts the AWS-managed backing services are placed into."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from .base import Model
from .errors import KeyError_

AwsRegion = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
SubnetId = Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]


class AwsConfig(Model):
    region: AwsRegion
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")] | None = None
    # Private subnets of the EKS cluster's VPC, one per availability zone used.
    subnet_ids: list[SubnetId] = []
    # Security groups of the pods that reach RDS and MSK: the node security group and the EKS cluster security group (managed node groups carry it), plus any security groups for pods. The only sources the databases and brokers admit; see docs/aws-security-groups.md.
    client_security_group_ids: list[SecurityGroupId] = []
    # IAM OIDC provider of the EKS cluster, for IAM roles for service accounts (IRSA).
    oidc_provider_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[A-Za-z0-9./_-]+$")] | None
    ) = None
    tags: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "nodeSecurityGroupId" in data:
            raise KeyError_(
                "nodeSecurityGroupId",
                "was replaced by aws.clientSecurityGroupIds, a list: put this group there together with the "
                "EKS cluster security group (aws eks describe-cluster; see docs/aws-security-groups.md)",
            )
        return data

    @model_validator(mode="after")
    def _security_groups_once(self) -> AwsConfig:
        if len(set(self.client_security_group_ids)) != len(self.client_security_group_ids):
            raise KeyError_("clientSecurityGroupIds", "a security group is listed more than once")
        return self

    @property
    def oidc_issuer(self) -> str | None:
        """Issuer host and path, the prefix of the IRSA trust policy's condition keys."""
        if self.oidc_provider_arn is None:
            return None
        return self.oidc_provider_arn.split(":oidc-provider/", 1)[1]
