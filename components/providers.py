"""Explicit providers: no resource may land in whatever cluster or account the shell points at.

The stack files disable default providers (`pulumi:disable-default-providers`), so a resource
created without these fails instead of deploying to the ambient kube context.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from config import StackConfig


def uses_aws(config: StackConfig) -> bool:
    msk = config.kafka.mode == "msk" and config.kafka_needed
    return msk or config.database.mode == "rds" or config.object_storage.mode == "s3"


def kubernetes_provider(config: StackConfig) -> k8s.Provider:
    return k8s.Provider(
        "kubernetes",
        context=config.kubernetes.context,
        kubeconfig=config.kubernetes.kubeconfig,
        # Objects that already exist (a Helm release being adopted) are an error, not silently taken over.
        enable_server_side_apply=True,
    )


def aws_provider(config: StackConfig) -> pulumi.ProviderResource | None:
    if not uses_aws(config) or config.aws is None:
        return None
    # Imported here: the AWS SDK is large and dev stacks never need it.
    from pulumi_aws import Provider, ProviderDefaultTagsArgs

    return Provider(
        "aws",
        region=config.aws.region,
        default_tags=ProviderDefaultTagsArgs(
            tags={
                "Project": "rasa-studio",
                "Stack": pulumi.get_stack(),
                "ManagedBy": "pulumi",
                **config.aws.tags,
            }
        ),
    )


def providers(config: StackConfig) -> list[pulumi.ProviderResource]:
    """One explicit provider per package the program uses; children inherit them."""
    # pulumi-random needs no settings, but with default providers disabled it needs a provider too.
    found: list[pulumi.ProviderResource] = [kubernetes_provider(config), random.Provider("random")]
    aws = aws_provider(config)
    if aws is not None:
        found.append(aws)
    return found
