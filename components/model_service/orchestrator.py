"""Orchestrator: a model-training or model-running orchestrator Deployment and its Service.

The orchestrators take requests from the Studio backend over HTTP, keep their state in the
`modelservice` database and hand work to the consumers through Kafka. Rasa's chart runs them with
the RBAC-bound account of their side, its token mounted, and RUNS_IN_CLUSTER=true
(RasaHQ/rasa-helm-charts@f7ef5c9 charts/studio/templates/model-service/training/deployment.yaml);
which API calls the closed image makes cannot be seen here, so they run the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core

from ..availability import disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..labels import ComponentName
from ..workload import checkov_skips, rasa_image_skips


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
        template: core.PodTemplateSpecArgs,
        # Whether the container's root filesystem is read-only (its checkov skips).
        read_only: bool,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:Orchestrator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        replicas = 1
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            component,
            deployment_name,
            template,
            replicas,
            # Topics and the modelservice database must exist before the orchestrator starts.
            pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
            checkov_skips(
                {
                    **rasa_image_skips(read_only),
                    "CKV_K8S_38": "the chart runs the orchestrator with its RBAC-bound account's token",
                }
            ),
            strategy=None,
        )
        self.service = service(f"{name}-service", ctx, component, service_name, "http", child, port=port)
        self.disruption_budget = disruption_budget(f"{name}-pdb", ctx, component, deployment_name, replicas, child)
        self.register_outputs({"service": self.service.metadata.name})
