"""`modelService`: the services that train and run assistants for "try your assistant"."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from . import k8s_validation
from . import sizing as sz
from .base import ImageRepository, ImageTag, Model, Quantity, Replicas, Resources, version_tuple
from .errors import InvalidKey
from .pods import PodSettings, ServiceAccountSettings
from .security import ModelServiceSecurity

Architecture = Literal["orchestrated", "embedded"]

# Rasa Pro versions the architectures can start (https://rasa.com/docs/reference/architecture/studio; RasaHQ/rasa-helm-charts git history of charts/studio).
MIN_RASA_PRO_ORCHESTRATED = (3, 7, 0)
MIN_RASA_PRO_EMBEDDED = (3, 11, 0)

# Each assistant takes up to two running consumers and each of those a Rasa Pro Job: 4 pods and
# 2 CPU per assistant at peak (config/sizing.py). 250 assistants are 1000 pods, the most one
# workload here may run (config/base.py MAX_REPLICAS); a Studio team trying more at once is a typo.
MAX_ASSISTANTS = 250
# Every parallel training is a consumer plus a Job of 1 CPU and 1Gi or more (reference defaults):
# 100 is already a cluster of its own for training alone.
MAX_PARALLEL_TRAININGS = 100
# Probe timings go into the consumers' environment as seconds; an hour is beyond any useful wait.
MAX_CHECK_SECONDS = 3600


class RasaProImage(Model):
    """The Rasa Pro image; unset parts follow Studio (config/stack.py fills them in).

    repository: from studio.registry (config/studio.py rasa_pro_repository); tag: the Rasa Pro the
    chart release of studio.version shipped (config/versions.py), checked against Rasa's
    compatibility matrix when it is anything else (config/compatibility.py).
    """

    repository: ImageRepository | None = None
    """
    Rasa Pro image that trains and runs the assistants; unset: `rasa-pro` beside the Studio images (Rasa's registry: its
    `rasa-pro/rasa-pro`).
    """
    tag: ImageTag | None = None
    """
    Rasa Pro image tag; unset: the one the chart release of `studio.version` shipped. Another must be listed for the
    Studio version in Rasa's compatibility matrix (>= 3.7.0 orchestrated, >= 3.11.0 embedded).
    """
    # Run a pairing Rasa's compatibility matrix does not list, knowingly.
    acknowledge_outside_matrix: bool = False
    """
    Run a Rasa Pro tag the compatibility matrix does not list for `studio.version`, knowingly; refused when the pairing
    is listed.
    """

    @property
    def image(self) -> str:
        if self.repository is None or self.tag is None:
            raise ValueError("the Rasa Pro image is resolved by StackConfig; this one was not")
        return f"{self.repository}:{self.tag}"


# Where Rasa publishes the orchestrated services' images (charts/studio 1.2.6 values.yaml
# modelService.repository): only in its own registry, which needs Rasa's key.
ORCHESTRATED_REGISTRY = "europe-west3-docker.pkg.dev/rasa-releases/model-training-and-running-services"


class OrchestratedImages(Model):
    """Images of the orchestrated services (RasaHQ/rasa-helm-charts charts/studio 1.2.6)."""

    registry: ImageRepository = ORCHESTRATED_REGISTRY
    version: ImageTag = "3.3.3-latest"
    proxy_tag: ImageTag = "1.27-alpine"
    """nginx-unprivileged, mirrored into the same registry, serves /talk."""

    def image(self, name: str) -> str:
        return f"{self.registry}/{name}:{self.version}"

    @property
    def proxy_image(self) -> str:
        return f"{self.registry}/nginx-unprivileged:{self.proxy_tag}"


class CpuMemory(Model):
    cpu: Quantity
    memory: Quantity


class JobResources(Model):
    """Requests and limits of every Rasa Pro Job (RASA_REQUESTS_* / RASA_LIMITS_*, RasaHQ/rasa-helm-charts charts/studio 1.2.6)."""

    requests: CpuMemory = CpuMemory(cpu="1000m", memory="1Gi")
    limits: CpuMemory = CpuMemory(cpu="2500m", memory="2.5Gi")


class Check(Model):
    """How the running consumer waits for the Rasa server in its Job (RasaHQ/rasa-helm-charts charts/studio 1.2.6)."""

    initial_delay_seconds: Annotated[int, Field(ge=0, le=MAX_CHECK_SECONDS)] = 10
    interval_seconds: Annotated[int, Field(ge=1, le=MAX_CHECK_SECONDS)] = 5
    failure_threshold: Annotated[int, Field(ge=1, le=1000)] = 50


class JobSettings(Model):
    """The Rasa Pro Jobs the consumers start at run time."""

    resources: JobResources = JobResources()
    debug_logs: bool = False
    readiness_check: Check = Check()
    startup_check: Check = Check()


class PodResources(Model):
    """Overrides of the model-service pods' requests and limits (defaults in config/sizing.py)."""

    training_orchestrator: Resources | None = None
    training_consumer: Resources | None = None
    running_orchestrator: Resources | None = None
    running_consumer: Resources | None = None
    talk_proxy: Resources | None = None
    embedded: Resources | None = None
    """Embedded architecture: unset derives requests and limits from the sizing (config/sizing.py)."""


class Pods(Model):
    """Pod settings of each model-service workload (orchestrated, or the embedded one)."""

    training_orchestrator: PodSettings = PodSettings()
    training_consumer: PodSettings = PodSettings()
    running_orchestrator: PodSettings = PodSettings()
    running_consumer: PodSettings = PodSettings()
    talk_proxy: PodSettings = PodSettings()
    embedded: PodSettings = PodSettings()


class ModelServiceConfig(Model):
    architecture: Architecture = "orchestrated"
    """
    `orchestrated` for Studio < 1.10 (training/running services that start Rasa Pro Jobs), `embedded` for >= 1.10 (one
    Rasa Pro model service).
    """
    assistants: Annotated[int, Field(ge=1, le=MAX_ASSISTANTS)] = 1
    """How many assistants users will build and try in Studio."""
    frequent_training: bool = False
    """Frequent training keeps a second free running consumer per assistant."""
    parallel_trainings: Annotated[int, Field(ge=1, le=MAX_PARALLEL_TRAININGS)] = 1
    """Trainings that may run at the same time; more queue until a consumer is free."""
    training_consumers: Replicas | None = None
    """Replica overrides; unset follows the sizing rules, lower than the rules is refused."""
    running_consumers: Replicas | None = None
    rasa_pro: RasaProImage = RasaProImage()
    images: OrchestratedImages = OrchestratedImages()
    job: JobSettings = JobSettings()
    resources: PodResources = PodResources()
    pods: Pods = Pods()
    service_account: ServiceAccountSettings = ServiceAccountSettings()
    """
    Annotations of the model services' ServiceAccounts (the consumers and orchestrators, or `rasapro`), e.g. for GKE
    Workload Identity or Azure Workload Identity.
    """
    security_context: ModelServiceSecurity = ModelServiceSecurity()
    """Opt-in settings stricter than Rasa's chart, not verified against Rasa's images."""
    storage_size: Annotated[Quantity, AfterValidator(k8s_validation.volume_size)] = "1Gi"
    """
    Volume shared by the consumers and their Jobs (orchestrated) or the model service's working data (embedded); 1Gi as
    the charts have it.
    """
    node_size: CpuMemory = CpuMemory(cpu="4", memory="16Gi")
    """Allocatable CPU and memory of one node, for the node estimate of the `capacity` output."""

    @model_validator(mode="after")
    def _rasa_pro_supports_architecture(self) -> ModelServiceConfig:
        minimum = MIN_RASA_PRO_EMBEDDED if self.architecture == "embedded" else MIN_RASA_PRO_ORCHESTRATED
        if self.rasa_pro.tag is None:
            # The chart's own pairing (config/stack.py), which runs the architecture it shipped.
            return self
        try:
            found = version_tuple(self.rasa_pro.tag)
        except ValueError as exc:
            raise InvalidKey("rasaPro.tag", str(exc)) from None
        if found < minimum:
            raise InvalidKey(
                "rasaPro.tag",
                f"the {self.architecture} architecture needs Rasa Pro "
                f">= {'.'.join(map(str, minimum))}, got {self.rasa_pro.tag}",
            )
        return self

    @model_validator(mode="after")
    def _overrides_respect_the_rules(self) -> ModelServiceConfig:
        needed = sz.training_consumers_needed(self.parallel_trainings)
        if self.training_consumers is not None and self.training_consumers < needed:
            raise InvalidKey(
                "trainingConsumers",
                f"{self.training_consumers} is below {needed}: {sz.training_rule(self.parallel_trainings)}",
            )
        needed = sz.running_consumers_needed(self.assistants, self.frequent_training)
        if self.running_consumers is not None and self.running_consumers < needed:
            raise InvalidKey(
                "runningConsumers",
                f"{self.running_consumers} is below {needed}: "
                f"{sz.running_rule(self.assistants, self.frequent_training)}",
            )
        return self

    @property
    def sizing(self) -> sz.Sizing:
        return sz.sizing(
            self.assistants,
            self.parallel_trainings,
            self.frequent_training,
            self.training_consumers,
            self.running_consumers,
        )

    @property
    def embedded_limits(self) -> tuple[int, int]:
        """(MAX_PARALLEL_TRAININGS, MAX_PARALLEL_BOT_RUNS) of the embedded model service.

        The same rules as the orchestrated consumers: a bot slot per assistant plus the spare a
        freshly trained model starts in (x 2 with frequent training).
        """
        size = self.sizing
        return size.training_consumers, size.running_consumers

    @property
    def embedded_shape(self) -> sz.PodShape:
        derived = sz.embedded_shape(*self.embedded_limits)
        return sz.resource_shape(sz.as_resources(derived), self.resources.embedded)

    @property
    def capacity(self) -> sz.Capacity:
        return sz.model_service_capacity(self)
