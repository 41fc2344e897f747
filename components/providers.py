"""Explicit providers: no resource may land in whatever cluster or account the shell points at.

The stack files disable default providers (`pulumi:disable-default-providers`), so a resource
created without these fails instead of deploying to the ambient kube context.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from config import StackConfig

from . import foundation
from .foundation import ClusterAccess, Foundation


def kubernetes_provider(
    config: StackConfig, cluster: ClusterAccess, parent: pulumi.Resource | None = None
) -> k8s.Provider:
    """The cluster's provider, every behaviour flag set here.

    The SDK fills an unset flag from the shell (`PULUMI_K8S_*`, pulumi_kubernetes/provider.py), so a
    variable left in someone's environment would change what `pulumi up` does; the provider reads
    the environment only for flags absent from its config (provider/pkg/provider/provider.go
    Configure). None of these flags replaces the provider when it changes (provider.go DiffConfig
    replaces only on kubeconfig, context and cluster), so turning them on is an ordinary update.
    """
    return k8s.Provider(
        "kubernetes",
        context=cluster.context,
        # A secret `kubeconfig` (contents), `kubernetes.kubeconfig` (a path) or a created cluster's
        # (components/eks). Unset, the SDK reads KUBECONFIG and then ~/.kube/config; prod names its
        # context, so a wrong file fails to connect instead of deploying elsewhere. Never an Output
        # of another stack: DiffConfig replaces the provider (and with it every object) when the
        # kubeconfig is unknown at preview.
        kubeconfig=cluster.kubeconfig,
        enable_server_side_apply=True,
        # A changed ConfigMap or Secret is patched, not replaced (provider/pkg/provider/diff.go
        # forceNewProperties): with fixed names a replacement deletes first, and the pods reading
        # it would briefly find nothing. Pods still roll through their checksum annotations.
        enable_config_map_mutable=True,
        enable_secret_mutable=True,
        # Off by default: a field someone changed by hand stops `pulumi up` with a field-manager
        # conflict (provider/pkg/await/await.go handleSSAErr) naming it, and a person decides
        # (docs/kubernetes-provider.md); `kubernetes.patchForce` takes every such field back instead.
        enable_patch_force=config.kubernetes.patch_force,
        delete_unreachable=config.kubernetes.delete_unreachable,
        # An update against an unreachable cluster fails rather than pretending to succeed.
        skip_update_unreachable=False,
        # Creating an object that already exists fails (AlreadyExists, provider/pkg/await/await.go
        # Creation) instead of silently adopting it: a Helm release, another stack's namespace or
        # the leftovers of an interrupted first `up` are recovered deliberately (docs/kubernetes-provider.md).
        upsert_existing_objects=False,
        opts=pulumi.ResourceOptions(parent=parent) if parent is not None else None,
    )


def aws_provider(region: str, tags: Mapping[str, str]) -> pulumi.ProviderResource:
    """The account's provider: the foundation's region, and its tags on every AWS resource."""
    # Imported here: the AWS SDK is large and dev stacks never need it.
    from pulumi_aws import Provider, ProviderDefaultTagsArgs

    return Provider(
        "aws",
        region=region,
        default_tags=ProviderDefaultTagsArgs(
            tags={
                "Project": "rasa-studio",
                "Stack": pulumi.get_stack(),
                "ManagedBy": "pulumi",
                **tags,
            }
        ),
    )


def providers(
    config: StackConfig, foundation: Foundation, aws: pulumi.ProviderResource | None = None
) -> list[pulumi.ProviderResource]:
    """One explicit provider per package the program uses; children inherit them.

    `aws`: the account's provider when the foundation itself was built with it (a created cluster).
    """
    # pulumi-random needs no settings, but with default providers disabled it needs a provider too.
    found: list[pulumi.ProviderResource] = [kubernetes_provider(config, foundation.cluster), random.Provider("random")]
    if aws is None and foundation.aws is not None:
        aws = aws_provider(foundation.aws.region, foundation.aws.tags)
    if aws is not None:
        found.append(aws)
    return found


def for_stack(
    config: StackConfig, instance: str, kubeconfig: pulumi.Input[str] | None
) -> tuple[Foundation, list[pulumi.ProviderResource]]:
    """The foundation Studio deploys onto and the providers its resources use: the stack file's
    existing cluster, or (`cluster.mode: eks`) one created first in the same program."""
    if not config.cluster.creates_eks:
        given = foundation.from_config(config, kubeconfig)
        return given, providers(config, given)
    # Imported only here: the EKS foundation loads pulumi_aws.
    from .capacity import deployment_capacity
    from .eks import EksFoundation

    assert config.aws is not None  # config/stack.py requires aws.region with cluster.mode eks
    aws = aws_provider(config.aws.region, config.aws.tags)
    created = EksFoundation(
        "cluster", config, instance, deployment_capacity(config), pulumi.ResourceOptions(providers=[aws])
    )
    return created.foundation, [created.kubernetes, random.Provider("random"), aws]
