"""The Studio namespace and the Pod Security Standard it enforces."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config import StackConfig

from .labels import PART_OF


def pod_security_level(config: StackConfig) -> str:
    if config.kubernetes.pod_security is not None:
        return config.kubernetes.pod_security
    # Every pod this program writes meets `restricted` except the migration Job, which runs without a
    # securityContext as Rasa's chart runs it unless the operator opts in; the Jobs the orchestrated
    # consumers start are written by Rasa's images, which may not set a seccomp profile or a non-root user.
    if config.model_service.architecture == "orchestrated":
        return "baseline"
    return "restricted" if config.studio.database_migration.security_context.restricted else "baseline"


def namespace_labels(config: StackConfig) -> dict[str, str]:
    # Pinned to the cluster's version, so a cluster upgrade never tightens the rules unannounced.
    version = f"v{config.kubernetes.version}"
    labels = {
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        "pod-security.kubernetes.io/enforce": pod_security_level(config),
        "pod-security.kubernetes.io/enforce-version": version,
    }
    # Whatever is enforced, anything short of `restricted` is reported.
    for mode in ("warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
        labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    if uses_alb(config):
        labels[ALB_READINESS_GATE_LABEL] = "enabled"
    return labels


# The AWS Load Balancer Controller adds a readiness gate to the pods of a labelled namespace
# (docs/deploy/pod_readiness_gate.md): a rolling update then waits until the ALB's target group
# has the new pod healthy before the old one goes, instead of leaving only draining targets.
ALB_READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"


def uses_alb(config: StackConfig) -> bool:
    """Studio behind the ALB with target type ip, the targets being the pods themselves."""
    studio = config.studio
    return studio.exposure == "ingress" and studio.ingress.profile == "alb"


def namespace(name: str, config: StackConfig, opts: pulumi.ResourceOptions) -> core.Namespace:
    # Retained in every stack: deleting a namespace deletes everything in it, every volume claim
    # included, so neither `kubernetes.createNamespace: false`, a renamed namespace nor
    # `pulumi destroy` may do it. What stays behind, and how to remove it: docs/operations.md.
    return core.Namespace(
        name,
        metadata=meta.ObjectMetaArgs(name=config.kubernetes.namespace, labels=namespace_labels(config)),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )
