"""EventIngestion: consumes the assistants' conversation events from Kafka, as in
RasaHQ/rasa-helm-charts charts/studio/templates/studio/event-ingestion/deployment.yaml.

The chart gives it no Service, no ports and no probes, and no health endpoint is documented,
so it has none here either; Kubernetes restarts it when the process exits.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from ..availability import disruption_budget
from ..context import Context
from ..deployment import deployment
from ..interfaces import Database, Kafka, SecretRef, created
from ..kafka_ca import kafka_ca
from ..workload import checkov_skips, container, no_probe_skips, rasa_image_skips, rasa_tmp, resources
from . import defaults as d
from .env import event_ingestion_env
from .workloads import studio_pod, studio_user

COMPONENT: d.StudioContainer = "event-ingestion"


def event_ingestion_pod(
    ctx: Context, database: Database, kafka: Kafka, sasl_password: SecretRef, database_url: SecretRef | None
) -> core.PodTemplateSpecArgs:
    settings = ctx.config.studio.event_ingestion
    image = d.image(ctx.config.studio, COMPONENT)
    tls_volumes, tls_mounts = kafka_ca(kafka)
    security = settings.security_context
    tmp_volumes, tmp_mounts = rasa_tmp(security.read_only_root_filesystem)

    ingestion = container(
        "event-ingestion",
        image.ref,
        user=studio_user(security),
        resources=resources(d.RESOURCES[COMPONENT], settings.resources),
        env=event_ingestion_env(
            ctx.config.studio, database, kafka, sasl_password=sasl_password, database_url=database_url
        ),
        # Node writes temp files: a /tmp emptyDir with the opt-in read-only root.
        volume_mounts=[*tmp_mounts, *tls_mounts],
        read_only_root_filesystem=security.read_only_root_filesystem,
    )
    return studio_pod(ctx, COMPONENT, [ingestion], volumes=[*tmp_volumes, *tls_volumes], security=security)


class EventIngestion(pulumi.ComponentResource):
    deployment: apps.Deployment
    disruption_budget: policy.PodDisruptionBudget | None

    def __init__(
        self,
        name: str,
        ctx: Context,
        database: Database,
        kafka: Kafka,
        sasl_password: SecretRef,
        database_url: SecretRef | None = None,
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:studio:EventIngestion", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = ctx.config.studio.event_ingestion
        security = settings.security_context
        template = event_ingestion_pod(ctx, database, kafka, sasl_password, database_url)
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            d.EVENT_INGESTION_DEPLOYMENT,
            template,
            settings.replicas,
            # `after`: the migration (its tables); Kafka's readiness includes the topics.
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[
                    *database.ready,
                    *kafka.ready,
                    *after,
                    *created(database.password, sasl_password, database_url),
                ],
            ),
            annotations=checkov_skips({**no_probe_skips(), **rasa_image_skips(security.read_only_root_filesystem)}),
        )
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, d.EVENT_INGESTION_DEPLOYMENT, settings.replicas, child
        )
        self.register_outputs({"deployment": self.deployment.metadata.name})
