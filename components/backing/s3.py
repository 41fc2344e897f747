"""S3 object storage: a private, versioned, encrypted, TLS-only bucket and an IRSA role for it.

Only the model services' ServiceAccounts (`Requirements.storage_service_accounts`) can assume
the role, and the role reaches this bucket (and its key) alone; the assistant, which only loads
models, gets a read-only role of its own. Pods get no static credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi_aws import iam, kms, s3

from config.backing import S3Storage

from ..context import Context
from ..foundation import AwsFoundation
from ..interfaces import ObjectStorage
from .aws_common import customer_key
from .common import aws_name, stateful

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def irsa_trust_policy(
    provider_arn: str, issuer: str, namespace: str, service_accounts: Sequence[str]
) -> dict[str, Any]:
    """Web identity trust for exactly these ServiceAccounts of the cluster's OIDC provider."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": sorted(f"system:serviceaccount:{namespace}:{sa}" for sa in service_accounts),
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def tls_only_policy(bucket_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def access_policy(bucket_arn: str, key_arn: str | None) -> dict[str, Any]:
    """Least privilege for the model services: list the bucket, read/write/delete its objects."""
    statements: list[dict[str, Any]] = [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {
            "Sid": "ReadWriteObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [f"{bucket_arn}/*"],
        },
    ]
    if key_arn is not None:
        statements.append(
            {
                "Sid": "UseBucketKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [key_arn],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def read_policy(bucket_arn: str, key_arn: str | None) -> dict[str, Any]:
    """For a pod that only loads models (the assistant): list the bucket, read its objects."""
    statements: list[dict[str, Any]] = [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{bucket_arn}/*"]},
    ]
    if key_arn is not None:
        statements.append({"Sid": "UseBucketKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key_arn]})
    return {"Version": "2012-10-17", "Statement": statements}


def storage_interface(
    bucket: pulumi.Input[str],
    region: str,
    role_arn: pulumi.Input[str],
    ready: Sequence[pulumi.Resource] = (),
    reader_role_arn: pulumi.Input[str] | None = None,
) -> ObjectStorage:
    """What Studio's clients get: the bucket, reached through the role (IRSA), no access keys."""
    return ObjectStorage(
        bucket=bucket,
        region=region,
        endpoint=None,
        credentials_secret=None,
        service_account_annotations={IRSA_ANNOTATION: role_arn},
        ready=list(ready),
        reader_service_account_annotations=None if reader_role_arn is None else {IRSA_ANNOTATION: reader_role_arn},
    )


class S3ObjectStorage(pulumi.ComponentResource):
    key: kms.Key | None
    bucket: s3.Bucket
    role: iam.Role
    reader_role: iam.Role | None
    object_storage: ObjectStorage

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: S3Storage,
        aws: AwsFoundation,
        service_accounts: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        # Pods that only read the models: a role of their own, read-only.
        reader_service_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__("rasa-studio:backing:S3ObjectStorage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # config/stack.py requires aws.oidcProviderArn for s3; a created cluster brings its own.
        assert aws.oidc_provider_arn is not None and aws.oidc_issuer is not None

        # KMS (default) over AES256: access to the data then also needs access to the key, which
        # only the IRSA role gets, and every decrypt is in CloudTrail.
        self.key = None
        if cfg.encryption == "aws:kms":
            self.key = customer_key(name, f"{aws_name(ctx, 'models')}: trained models bucket", ctx, self)
        self.bucket = s3.Bucket(
            f"{name}-bucket",
            bucket=cfg.bucket,
            # Unset: a unique name with this prefix, chosen once and kept.
            bucket_prefix=None if cfg.bucket else aws_name(ctx, "models", max_length=36) + "-",
            opts=stateful(ctx, self),
        )
        bucket_child = pulumi.ResourceOptions(parent=self.bucket)
        public_access = s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=bucket_child,
        )
        ownership = s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule=s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=bucket_child,
        )
        versioning = s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=bucket_child,
        )
        encryption = s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm=cfg.encryption,
                        kms_master_key_id=self.key.arn if self.key else None,
                    ),
                    # One data key per bucket instead of per object: far fewer KMS calls.
                    bucket_key_enabled=True if self.key else None,
                )
            ],
            opts=bucket_child,
        )
        lifecycle = s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-old-versions-and-abandoned-uploads",
                    status="Enabled",
                    filter=s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=cfg.noncurrent_version_expiration_days
                    ),
                    abort_incomplete_multipart_upload=s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=cfg.abort_incomplete_upload_days
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self.bucket, depends_on=[versioning]),
        )
        policy = s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda arn: json.dumps(tls_only_policy(arn), sort_keys=True)),
            # A policy before the public access block is in place could be judged public.
            opts=pulumi.ResourceOptions(parent=self.bucket, depends_on=[public_access]),
        )
        self.role = iam.Role(
            f"{name}-role",
            description="Rasa Studio model services: access to the trained models bucket (IRSA)",
            assume_role_policy=pulumi.Output.all(aws.oidc_provider_arn, aws.oidc_issuer).apply(
                lambda args: json.dumps(
                    irsa_trust_policy(args[0], args[1], ctx.namespace_name, service_accounts), sort_keys=True
                )
            ),
            opts=child,
        )
        key_arn: pulumi.Input[str | None] = self.key.arn if self.key else None
        role_policy = iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=pulumi.Output.all(self.bucket.arn, key_arn).apply(
                lambda args: json.dumps(access_policy(args[0], args[1]), sort_keys=True)
            ),
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        ready: list[pulumi.Resource] = [
            self.bucket,
            public_access,
            ownership,
            encryption,
            policy,
            lifecycle,
            role_policy,
        ]
        self.reader_role = None
        if reader_service_accounts:
            self.reader_role = iam.Role(
                f"{name}-reader-role",
                description="Rasa Studio assistant: read the trained models bucket (IRSA)",
                assume_role_policy=pulumi.Output.all(aws.oidc_provider_arn, aws.oidc_issuer).apply(
                    lambda args: json.dumps(
                        irsa_trust_policy(args[0], args[1], ctx.namespace_name, reader_service_accounts),
                        sort_keys=True,
                    )
                ),
                opts=child,
            )
            ready.append(
                iam.RolePolicy(
                    f"{name}-reader-role-policy",
                    role=self.reader_role.id,
                    policy=pulumi.Output.all(self.bucket.arn, key_arn).apply(
                        lambda args: json.dumps(read_policy(args[0], args[1]), sort_keys=True)
                    ),
                    opts=pulumi.ResourceOptions(parent=self.reader_role),
                )
            )
        self.object_storage = storage_interface(
            self.bucket.bucket,
            aws.region,
            self.role.arn,
            ready,
            self.reader_role.arn if self.reader_role is not None else None,
        )
        self.register_outputs({"bucket": self.bucket.bucket, "roleArn": self.role.arn})
