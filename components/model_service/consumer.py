"""Consumer: the model-training or model-running consumers that start Rasa Pro Jobs.

A StatefulSet as in the chart: stable pod names give each consumer a stable identity in its
Kafka consumer group across restarts. Each consumer runs one Job at a time, so the replica count
is the sizing rule's (config/sizing.py). The consumers start Jobs through the Kubernetes API with
their side's ServiceAccount token; the orchestrators mount one too, as Rasa's chart runs them
(orchestrator.py); the talk proxy does not.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from ..availability import disruption_budget
from ..context import Context
from ..labels import ComponentName
from ..workload import checkov_skips, no_probe_skips, rasa_image_skips


class Consumer(pulumi.ComponentResource):
    stateful_set: apps.StatefulSet

    def __init__(
        self,
        name: str,
        ctx: Context,
        *,
        object_name: str,
        component: ComponentName,
        replicas: int,
        template: core.PodTemplateSpecArgs,
        # Whether the container's root filesystem is read-only (its checkov skips).
        read_only: bool,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:Consumer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        selector = ctx.selector(component)
        self.stateful_set = apps.StatefulSet(
            f"{name}-statefulset",
            metadata=ctx.metadata(
                object_name,
                component,
                checkov_skips(
                    {
                        **no_probe_skips(),
                        **rasa_image_skips(read_only),
                        "CKV_K8S_38": "the consumer starts Rasa Pro Jobs through the Kubernetes API",
                    }
                ),
            ),
            spec=apps.StatefulSetSpecArgs(
                replicas=replicas,
                # No network identity is needed; the field is required, so it names the set.
                service_name=object_name,
                # Consumers are independent: start and stop them all at once.
                pod_management_policy="Parallel",
                selector=meta.LabelSelectorArgs(match_labels=selector),
                template=template,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.disruption_budget = disruption_budget(f"{name}-pdb", ctx, component, object_name, replicas, child)
        self.register_outputs({"replicas": replicas})
