"""Orchestrator: a model-training or model-running orchestrator Deployment and its Service.

The orchestrators take requests from the Studio backend over HTTP, keep their state in the
`modelservice` database and hand work to the consumers through Kafka. They never call the
Kubernetes API (the consumers start the Jobs), so no ServiceAccount token is mounted; the IRSA
web-identity token for the bucket is projected by EKS independently of that setting.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config.base import Resources

from ..availability import disruption_budget
from ..context import Context
from ..interfaces import Kafka
from ..labels import ComponentName
from ..secrets import image_pull_secrets
from ..workload import HttpProbe, container, pod_spec, pod_template, resources, topology_spread
from .pods import RASA_USER, kafka_ca, knobs_key, scratch


class Orchestrator(pulumi.ComponentResource):
    deployment: apps.Deployment
    service: core.Service

    def __init__(
        self,
        name: str,
        ctx: Context,
        *,
        deployment_name: str,
        service_name: str,
        port: int,
        component: ComponentName,
        image: str,
        env: Sequence[core.EnvVarArgs],
        kafka: Kafka,
        service_account: pulumi.Input[str],
        resource_defaults: Resources,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:Orchestrator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        selector = ctx.selector(component)
        volumes, mounts = scratch()
        ca_volumes, ca_mounts = kafka_ca(kafka)
        probe = HttpProbe("/", port)
        replicas = 1
        self.deployment = apps.Deployment(
            f"{name}-deployment",
            metadata=ctx.metadata(deployment_name, component),
            spec=apps.DeploymentSpecArgs(
                replicas=replicas,
                selector=meta.LabelSelectorArgs(match_labels=selector),
                template=pod_template(
                    ctx.labels(component),
                    pod_spec(
                        [
                            container(
                                deployment_name,
                                image,
                                user=RASA_USER,
                                resources=resources(resource_defaults),
                                ports={"http": port},
                                env=env,
                                liveness=probe,
                                readiness=probe,
                                volume_mounts=[*mounts, *ca_mounts],
                            )
                        ],
                        user=RASA_USER,
                        volumes=[*volumes, *ca_volumes],
                        service_account_name=service_account,
                        image_pull_secrets=image_pull_secrets(ctx),
                        topology_spread_constraints=topology_spread(selector, ctx.config.kubernetes.topology_spread),
                    ),
                    knobs=ctx.knobs(knobs_key(component)),
                ),
            ),
            # Topics and the modelservice database must exist before the orchestrator starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(service_name, component),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[core.ServicePortArgs(name="http", port=port, target_port="http", protocol="TCP")],
            ),
            opts=child,
        )
        self.disruption_budget = disruption_budget(f"{name}-pdb", ctx, component, deployment_name, replicas, child)
        self.register_outputs({"service": self.service.metadata.name})
