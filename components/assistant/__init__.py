"""Assistant: a Rasa Pro assistant next to Studio (config/assistant.py, docs/assistant.md).

`rasa run` with the model service's Rasa Pro image and license, its conversations going to the
topic Studio's event ingestion reads, its trackers in a database of its own on Studio's
PostgreSQL, its locks in memory or Redis, its model from Studio's bucket; an optional action
server; a route on Studio's exposure profile.
"""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.autoscaling import v2 as autoscaling
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.policy import v1 as policy

from config.workloads import workload

from .. import kafka_ca
from ..availability import cpu_autoscaler, disruption_budget
from ..context import Context
from ..deployment import deployment, service
from ..interfaces import AssistantBacking, ObjectStorage, created
from ..labels import ComponentName
from ..model_service.embedded import gcs_key_volume
from ..model_service.pods import rasa_pod_annotations, service_account_annotations
from ..names import ASSISTANT_SERVICE
from ..ports import RASA_PORT
from ..requirements import ASSISTANT_SERVICE_ACCOUNT
from ..secrets import image_pull_secrets
from ..workload import (
    checkov_skips,
    container,
    mount,
    opt_in_user,
    pod_spec,
    pod_template,
    rasa_image_skips,
    rasa_tmp,
    resources,
    topology_spread,
)
from . import endpoints as ep
from . import server
from .action_server import ActionServer
from .route import AssistantRoute, public_url

__all__ = ["Assistant", "assistant_pod"]

COMPONENT: ComponentName = "assistant"
CONFIG_MAP = "rasa-config"


class Assistant(pulumi.ComponentResource):
    service_account: core.ServiceAccount
    config_map: core.ConfigMap
    deployment: apps.Deployment
    service: core.Service
    autoscaler: autoscaling.HorizontalPodAutoscaler | None
    disruption_budget: policy.PodDisruptionBudget | None
    action_server: ActionServer | None
    route: AssistantRoute

    def __init__(
        self,
        name: str,
        ctx: Context,
        backing: AssistantBacking,
        storage: ObjectStorage,
        secret_name: str,
        secret: pulumi.Resource,
        gateway: pulumi.Resource | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:assistant:Assistant", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = ctx.config.assistant
        assert cfg.model is not None  # required with assistant.enabled (config/assistant.py)

        self.action_server = None
        if cfg.action_server is not None:
            self.action_server = ActionServer(f"{name}-action-server", ctx, cfg.action_server, child)

        # It only loads models: where the storage has a read-only role (S3 with IRSA), that one.
        reader = storage
        if storage.reader_service_account_annotations is not None:
            reader = dataclasses.replace(
                storage, service_account_annotations=storage.reader_service_account_annotations
            )
        self.service_account = core.ServiceAccount(
            f"{name}-account",
            # The model service's bucket access: IRSA (components/requirements.py lists this account)
            # and the operator's own (modelService.serviceAccount.annotations: other clouds' IAM).
            metadata=ctx.metadata(
                ASSISTANT_SERVICE_ACCOUNT, COMPONENT, service_account_annotations(ctx.config.model_service, reader)
            ),
            # `rasa run` never calls the Kubernetes API.
            automount_service_account_token=False,
            opts=child,
        )
        action_port = cfg.action_server.port if cfg.action_server is not None else None
        endpoints_yml = server.endpoints_yaml(backing, ctx.namespace_name, action_port)
        credentials_yml = ep.to_yaml(ep.credentials())
        self.config_map = core.ConfigMap(
            f"{name}-config",
            metadata=ctx.metadata(CONFIG_MAP, COMPONENT),
            data={server.ENDPOINTS_FILE: endpoints_yml, server.CREDENTIALS_FILE: credentials_yml},
            opts=child,
        )

        template = assistant_pod(
            ctx,
            backing,
            storage,
            secret_name,
            self.service_account.metadata.name,
            endpoints_yml.apply(lambda text: server.checksum(text, credentials_yml)),
        )
        read_only = cfg.security_context.read_only_root_filesystem
        lock_ready = backing.lock_store.ready if backing.lock_store is not None else []
        scaling = cfg.autoscaling
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            COMPONENT,
            ASSISTANT_SERVICE,
            template,
            None if scaling.enabled else cfg.replicas,
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[
                    self.config_map,
                    secret,
                    *storage.ready,
                    *backing.tracker.ready,
                    *backing.kafka.ready,
                    *lock_ready,
                    *created(*server.secret_refs(backing)),
                    *([self.action_server.service] if self.action_server else []),
                ],
            ),
            annotations=checkov_skips(rasa_image_skips(read_only)) or None,
        )
        self.service = service(f"{name}-service", ctx, COMPONENT, ASSISTANT_SERVICE, "http", child, port=RASA_PORT)
        self.autoscaler = cpu_autoscaler(
            f"{name}-hpa", ctx, COMPONENT, ASSISTANT_SERVICE, self.deployment, scaling, child
        )
        self.disruption_budget = disruption_budget(
            f"{name}-pdb", ctx, COMPONENT, ASSISTANT_SERVICE, cfg.peak_replicas, child
        )
        self.route = AssistantRoute(f"{name}-route", ctx, gateway, child)
        self.url = public_url(ctx.config)
        self.register_outputs({"service": self.service.metadata.name, "url": self.url})


def assistant_pod(
    ctx: Context,
    backing: AssistantBacking,
    storage: ObjectStorage,
    secret_name: str,
    service_account: pulumi.Input[str],
    config_checksum: pulumi.Input[str],
) -> core.PodTemplateSpecArgs:
    """The assistant's pod: `rasa run` reading endpoints.yml and credentials.yml from the ConfigMap."""
    cfg = ctx.config.assistant
    assert cfg.model is not None  # required with assistant.enabled (config/assistant.py)
    security = cfg.security_context
    user = opt_in_user(security.run_as_user, security.run_as_group)
    read_only = security.read_only_root_filesystem
    tmp_volumes, tmp_mounts = rasa_tmp(read_only)
    key_volumes, key_mounts = gcs_key_volume(storage)
    ca_volumes, ca_mounts = kafka_ca.kafka_ca(backing.kafka)
    defaults = workload(COMPONENT).default_resources(ctx.config)
    assert defaults is not None
    image = cfg.image.repository or ctx.config.model_service.rasa_pro.repository
    tag = cfg.image.tag or ctx.config.model_service.rasa_pro.tag
    rasa = container(
        "rasa",
        f"{image}:{tag}",
        user=user,
        args=server.args(cfg.model.path, storage, cfg.cors),
        resources=resources(defaults, cfg.resources),
        ports={"http": RASA_PORT},
        env=server.env(backing, storage, secret_name),
        liveness=server.PROBE,
        readiness=server.PROBE,
        startup=server.STARTUP_PROBE,
        volume_mounts=[
            mount(server.CONFIG_VOLUME, server.CONFIG_DIR, read_only=True),
            *ca_mounts,
            *key_mounts,
            *tmp_mounts,
        ],
        read_only_root_filesystem=read_only,
    )
    if read_only:
        # Rasa's persistor downloads the model archive into the working directory before it
        # unpacks it (rasa/nlu/persistor.py `_retrieve_tar`): with a read-only root, the /tmp emptyDir.
        rasa.working_dir = server.SCRATCH_DIR
    config_volume = core.VolumeArgs(
        name=server.CONFIG_VOLUME, config_map=core.ConfigMapVolumeSourceArgs(name=CONFIG_MAP)
    )
    annotations: dict[str, pulumi.Input[str]] = {
        **(rasa_pod_annotations("rasa", read_only) or {}),
        server.CONFIG_CHECKSUM_ANNOTATION: config_checksum,
    }
    return pod_template(
        ctx.labels(COMPONENT),
        pod_spec(
            [rasa],
            user=user,
            volumes=[config_volume, *ca_volumes, *key_volumes, *tmp_volumes],
            service_account_name=service_account,
            image_pull_secrets=image_pull_secrets(ctx),
            termination_grace_period_seconds=server.TERMINATION_GRACE_SECONDS,
            topology_spread_constraints=topology_spread(ctx.selector(COMPONENT), ctx.config.kubernetes.topology_spread),
        ),
        annotations,
        pod_settings=ctx.pod_settings(COMPONENT),
        secrets_checksum=ctx.secrets_checksum,
    )
