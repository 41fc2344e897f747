"""The orchestrated model services (Studio < 1.10): training and running, and the /talk proxy."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core import v1 as core

from .. import names
from .. import requirements as req
from ..context import Context
from ..labels import ComponentName
from .access import JobAccess, Kind
from .consumer import Consumer
from .data_volume import DataVolume
from .env import Inputs, consumer_env, data_pvc_name, orchestrator_env
from .orchestrator import Orchestrator
from .pods import api_client_pod, default_resources
from .talk_proxy import TalkProxy


@dataclass(frozen=True)
class Half:
    """Names of one side (training or running), as chart 1.2.6 has them (templates/model-service/)."""

    kind: Kind
    account: str
    service: str
    port: int
    orchestrator_image: str
    consumer_image: str
    orchestrator_component: ComponentName
    consumer_component: ComponentName

    @property
    def orchestrator(self) -> str:
        return f"model-{self.kind}-service-orchestrator"

    @property
    def consumer(self) -> str:
        return f"model-{self.kind}-service-consumer"


TRAINING = Half(
    kind="training",
    account=req.TRAINING_SERVICE_ACCOUNT,
    service=names.MODEL_TRAINING_SERVICE,
    port=names.MODEL_TRAINING_PORT,
    orchestrator_image="model-training-orchestrator",
    consumer_image="model-training-job-consumer",
    orchestrator_component="model-training-orchestrator",
    consumer_component="model-training-consumer",
)
RUNNING = Half(
    kind="running",
    account=req.RUNNING_SERVICE_ACCOUNT,
    service=names.MODEL_RUNNING_SERVICE,
    port=names.MODEL_RUNNING_PORT,
    orchestrator_image="model-running-orchestrator",
    consumer_image="model-running-job-consumer",
    orchestrator_component="model-running-orchestrator",
    consumer_component="model-running-consumer",
)


Pod = core.PodTemplateSpecArgs


def half_pods(
    ctx: Context, half: Half, inputs: Inputs, *, service_account: pulumi.Input[str], data_claim: pulumi.Input[str]
) -> tuple[Pod, Pod]:
    """The pods of one side: its orchestrator's and its consumers'."""
    config = ctx.config.model_service
    kafka = inputs.kafka
    assert kafka is not None  # the orchestrated services always have Kafka (config.kafka_needed)
    key = half.kind  # "training" / "running"

    def pod(
        role: str,
        name: str,
        component: ComponentName,
        image: str,
        env: list[core.EnvVarArgs],
        port: int | None = None,
        claim: pulumi.Input[str] | None = None,
    ) -> Pod:
        return api_client_pod(
            ctx,
            component,
            name,
            config.images.image(image),
            env,
            kafka=kafka,
            # One account for both, as in the chart (see orchestrator.py).
            service_account=service_account,
            resource_defaults=default_resources(config, f"{key}{role.title()}"),
            security=getattr(config.security_context, f"{key}_{role}"),
            port=port,
            data_claim=claim,
        )

    return (
        pod(
            "orchestrator",
            half.orchestrator,
            half.orchestrator_component,
            half.orchestrator_image,
            orchestrator_env(half.kind, inputs),
            port=half.port,
        ),
        pod(
            "consumer",
            half.consumer,
            half.consumer_component,
            half.consumer_image,
            consumer_env(half.kind, inputs),
            claim=data_claim,
        ),
    )


class OrchestratedService(pulumi.ComponentResource):
    """One side: its ServiceAccount and Role, data volume, orchestrator and consumers."""

    access: JobAccess
    data: DataVolume
    orchestrator: Orchestrator
    consumers: Consumer

    def __init__(
        self,
        name: str,
        ctx: Context,
        half: Half,
        inputs: Inputs,
        replicas: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:OrchestratedService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config.model_service
        kafka = inputs.kafka
        assert kafka is not None  # the orchestrated services always have Kafka (config.kafka_needed)
        ready = [*kafka.ready, *inputs.database.ready, *inputs.storage.ready, *inputs.secret_created]
        self.access = JobAccess(
            f"{name}-access", ctx, half.kind, half.account, half.consumer_component, inputs.storage, child
        )
        self.data = DataVolume(
            f"{name}-data",
            ctx,
            data_pvc_name(half.kind, ctx.namespace_name),
            half.consumer_component,
            shared=True,
            # Retained, never protected: every orchestrated stack leaves this architecture once
            # (Studio 1.10), and that one `pulumi up` must let go of these claims while the data
            # stays (listed in the `retainedVolumeClaims` output).
            protect=False,
            opts=child,
        )
        key = half.kind  # "training" / "running"
        orchestrator, consumer = half_pods(
            ctx, half, inputs, service_account=self.access.name, data_claim=self.data.name
        )
        self.orchestrator = Orchestrator(
            f"{name}-orchestrator",
            ctx,
            deployment_name=half.orchestrator,
            service_name=half.service,
            port=half.port,
            component=half.orchestrator_component,
            template=orchestrator,
            read_only=getattr(config.security_context, f"{key}_orchestrator").read_only_root_filesystem,
            depends_on=ready,
            opts=child,
        )
        self.consumers = Consumer(
            f"{name}-consumer",
            ctx,
            object_name=half.consumer,
            component=half.consumer_component,
            replicas=replicas,
            template=consumer,
            read_only=getattr(config.security_context, f"{key}_consumer").read_only_root_filesystem,
            # Without its Role a consumer fails the first Job it starts.
            depends_on=[*ready, self.access.role_binding],
            opts=child,
        )
        self.register_outputs({"consumers": replicas})


class OrchestratedModelServices(pulumi.ComponentResource):
    training: OrchestratedService
    running: OrchestratedService
    talk_proxy: TalkProxy

    def __init__(self, name: str, ctx: Context, inputs: Inputs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:model_service:OrchestratedModelServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config.model_service
        size = config.sizing
        self.training = OrchestratedService(f"{name}-training", ctx, TRAINING, inputs, size.training_consumers, child)
        self.running = OrchestratedService(f"{name}-running", ctx, RUNNING, inputs, size.running_consumers, child)
        self.talk_proxy = TalkProxy(
            f"{name}-talk", ctx, config.images.proxy_image, default_resources(config, "talkProxy"), child
        )
        self.register_outputs(size.as_dict())
