"""`aws`: the account-side facts the AWS-managed backing services are placed into."""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.util
import re
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from .base import Model
from .errors import InvalidKey


# The regions the pinned pulumi-aws provider knows (requirements.txt; its `Region` enum in
# pulumi_aws/_enums.py, generated from the AWS SDK's partition endpoints): a misspelt region
# (eu-centrl-1) fails here instead of at the first AWS call of `pulumi up`. Read from the
# installed package's source rather than imported: importing pulumi_aws costs a third of a second,
# which stacks without AWS (dev) never pay.
@functools.cache
def aws_regions() -> frozenset[str]:
    spec = importlib.util.find_spec("pulumi_aws")
    assert spec is not None and spec.origin is not None, "pulumi-aws is a pinned requirement"
    tree = ast.parse((Path(spec.origin).parent / "_enums.py").read_text())
    (enum,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Region"]
    return frozenset(
        n.value.value
        for n in enum.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
    )


def _aws_region(value: str) -> str:
    regions = aws_regions()
    if value not in regions:
        close = difflib.get_close_matches(value, sorted(regions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{value!r} is not an AWS region pulumi-aws {version('pulumi-aws')} knows{hint}")
    return value


AwsRegion = Annotated[str, AfterValidator(_aws_region)]
SubnetId = Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]

# docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html: keys of 1-128 and values of 0-256
# Unicode letters, digits, spaces and _ . : / = + - @; the `aws:` prefix is AWS's own.
_TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$")
# A resource takes at most 50 tags; the stack adds its own (Name and the Pulumi stack tags).
MAX_TAGS = 40


def _tag_key(value: str) -> str:
    if not 1 <= len(value) <= 128 or not _TAG_TEXT.match(value):
        raise ValueError(f"tag key {value!r} must be 1-128 letters, digits, spaces or _ . : / = + - @")
    if value.lower().startswith("aws:"):
        raise ValueError(f"tag key {value!r}: the aws: prefix is reserved for AWS")
    return value


def _tag_value(value: str) -> str:
    if len(value) > 256 or not _TAG_TEXT.match(value):
        raise ValueError("tag values are at most 256 letters, digits, spaces or _ . : / = + - @")
    return value


TagKey = Annotated[str, AfterValidator(_tag_key)]
TagValue = Annotated[str, AfterValidator(_tag_value)]


class AwsConfig(Model):
    region: AwsRegion
    """AWS region of the cluster and the managed services."""
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")] | None = None
    """VPC of the EKS cluster."""
    subnet_ids: list[SubnetId] = []
    """Private subnets of the EKS cluster's VPC, one per availability zone used."""
    client_security_group_ids: list[SecurityGroupId] = []
    """
    Security groups of the pods that reach RDS and MSK: the node security group and the EKS cluster security group
    (managed node groups carry it), plus any security groups for pods. The only sources the databases and brokers admit;
    see docs/aws-security-groups.md.
    """
    oidc_provider_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[A-Za-z0-9./_-]+$")] | None
    ) = None
    """IAM OIDC provider of the EKS cluster, for IAM roles for service accounts (IRSA)."""
    tags: Annotated[dict[TagKey, TagValue], Field(max_length=MAX_TAGS)] = {}
    """Tags on every AWS resource."""

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "nodeSecurityGroupId" in data:
            raise InvalidKey(
                "nodeSecurityGroupId",
                "was replaced by aws.clientSecurityGroupIds, a list: put this group there together with the "
                "EKS cluster security group (aws eks describe-cluster; see docs/aws-security-groups.md)",
            )
        return data

    @model_validator(mode="after")
    def _security_groups_once(self) -> AwsConfig:
        if len(set(self.client_security_group_ids)) != len(self.client_security_group_ids):
            raise InvalidKey("clientSecurityGroupIds", "a security group is listed more than once")
        return self

    @property
    def oidc_issuer(self) -> str | None:
        """Issuer host and path, the prefix of the IRSA trust policy's condition keys."""
        if self.oidc_provider_arn is None:
            return None
        return self.oidc_provider_arn.split(":oidc-provider/", 1)[1]
