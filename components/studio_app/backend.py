"""Backend: Studio's API server (UI and `rasa studio` CLI), as in RasaHQ/rasa-helm-charts
charts/studio/templates/studio/backend/deployment.yaml."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.autoscaling import v2 as autoscaling
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from .. import ports
from ..availability import cpu_autoscaler, disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..interfaces import Database, SecretRef, created
from ..names import BACKEND_SERVICE
from ..workload import checkov_skips, container, rasa_image_skips, rasa_tmp, resources
from . import defaults as d
from .env import backend_env
from .workloads import studio_pod, studio_user

COMPONENT: d.StudioContainer = "backend"


def backend_pod(
    ctx: Context,
    database: Database,
    admin_password: SecretRef,
    api_password: SecretRef,
    database_url: SecretRef | None,
) -> core.PodTemplateSpecArgs:
    config = ctx.config
    settings = config.studio.backend
    image = d.image(config.studio, COMPONENT)
    security = settings.security_context
    tmp_volumes, tmp_mounts = rasa_tmp(security.read_only_root_filesystem)

    backend = container(
        "backend",
        image.ref,
        user=studio_user(security),
        resources=resources(d.RESOURCES[COMPONENT], settings.resources),
        # The real port. The chart's template puts the Service port (80) in containerPort,
        # which is wrong (merely cosmetic there, but named-port lookups and policies break).
        ports={"http": ports.BACKEND_PORT},
        env=backend_env(
            config.studio,
            config.model_service,
            ctx.namespace_name,
            database,
            admin_password=admin_password,
            api_password=api_password,
            database_url=database_url,
        ),
        liveness=d.BACKEND_PROBE,
        readiness=d.BACKEND_PROBE,
        # Node (ts-node, npm) writes temp files: a /tmp emptyDir with the opt-in read-only root.
        volume_mounts=tmp_mounts,
        read_only_root_filesystem=security.read_only_root_filesystem,
    )
    return studio_pod(ctx, COMPONENT, [backend], volumes=tmp_volumes, security=security)


class Backend(pulumi.ComponentResource):
    deployment: apps.Deployment
    service: core.Service
    autoscaler: autoscaling.HorizontalPodAutoscaler | None
    disruption_budget: policy.PodDisruptionBudget | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        database: Database,
        admin_password: SecretRef,
        api_password: SecretRef,
        database_url: SecretRef | None = None,
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:studio:Backend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config
        settings = config.studio.backend
        scaling = settings.autoscaling
        security = settings.security_context
        template = backend_pod(ctx, database, admin_password, api_password, database_url)
        # With an autoscaler, spec.replicas is left out: Pulumi would otherwise reset the count
        # the autoscaler chose on every update.
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            BACKEND_SERVICE,
            template,
            None if scaling.enabled else settings.replicas,
            # `after`: the migration Job (schema) and Keycloak (the backend provisions the realm).
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[
                    *database.ready,
                    *after,
                    *created(database.password, admin_password, api_password, database_url),
                ],
            ),
            annotations=checkov_skips(rasa_image_skips(security.read_only_root_filesystem)) or None,
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, BACKEND_SERVICE, ports.BACKEND_PORT, child)

        self.autoscaler = cpu_autoscaler(
            f"{name}-hpa", ctx, COMPONENT, BACKEND_SERVICE, self.deployment, scaling, child
        )
        # The budget follows the most replicas the backend may run.
        most = scaling.max_replicas if scaling.enabled else settings.replicas
        self.disruption_budget = disruption_budget(f"{name}-pdb", ctx, COMPONENT, BACKEND_SERVICE, most, child)
        self.register_outputs({"service": self.service.metadata.name})
