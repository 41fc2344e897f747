"""The workloads of a deployment, each declared once: pod group, labels, config key, sizing, when it runs.

Everything that needs the list of workloads reads it here: the label contract (components/labels.py),
the pod settings and their checks (StackConfig.workloads, Context.pod_settings), the resource checks
(config/validation.py), the peak capacity (components/capacity.py) and the test lists. A pod group
missing from WORKLOADS has no pod settings, so its component cannot build its pods.

Adding a workload: one entry here, its component, its flows (docs/architecture.md walks through it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from pydantic.alias_generators import to_snake

from . import sizing as sz
from .base import ResourceList, Resources

if TYPE_CHECKING:
    from .stack import StackConfig

# The `app.kubernetes.io/component` values of the label contract (README, docs/architecture.md).
ComponentName = Literal[
    "web-client",
    "backend",
    "database-migration",
    "keycloak",
    "event-ingestion",
    "model-training-orchestrator",
    "model-training-consumer",
    "model-running-orchestrator",
    "model-running-consumer",
    "model-service",
    "kafka",
    "postgresql",
    "object-storage",
    "assistant",
    "action-server",
    "lock-store",
]

# Pods that belong to a component but talk to other peers than its main pods: the backing
# services' setup Jobs, and the /talk proxy (the chart's `nginx-reverse-proxy`).
HelperName = Literal[
    "database-init", "kafka-topics", "minio-bucket", "nginx-reverse-proxy", "postgresql-backup", "postgresql-restore"
]
PodGroup = Literal[ComponentName, HelperName]

# Where a workload's pods count in the capacity output.
Part = Literal["studio", "backingServices", "modelServices", "assistant"]


def _res(req_cpu: str, req_mem: str, lim_cpu: str, lim_mem: str) -> Resources:
    return Resources(
        requests=ResourceList(cpu=req_cpu, memory=req_mem), limits=ResourceList(cpu=lim_cpu, memory=lim_mem)
    )


def _always(_: StackConfig) -> bool:
    return True


def _one(_: StackConfig) -> int:
    return 1


@dataclass(frozen=True)
class Workload:
    """One pod group and what the rest of the program needs to know about it."""

    # Its pods' `app.kubernetes.io/name` (labels.pod_selector).
    group: PodGroup
    # Its pods' `app.kubernetes.io/component`: itself, or the component a helper pod belongs to.
    component: ComponentName
    # Where its pod settings live in the stack config (studio.backend -> studio.backend.podLabels, ...).
    key: str
    # Whether this stack runs it.
    enabled: Callable[[StackConfig], bool] = _always
    # The container's default requests and limits, and the config key of the user's override
    # (merged by config.sizing.merge_resources). None: sized elsewhere (fixed Job sizes).
    resources: Resources | Callable[[StackConfig], Resources] | None = None
    resources_key: str | None = None
    # Pods at peak, for the capacity output; None: not counted there (one-shot deploy Jobs, or the
    # model services, whose peak comes with the Jobs they start: config/sizing.model_service_pods).
    peak: Callable[[StackConfig], int] | None = None
    part: Part | None = None
    # Its name in capacity messages.
    title: str = ""

    def default_resources(self, config: StackConfig) -> Resources | None:
        return self.resources(config) if callable(self.resources) else self.resources


def _orchestrated(config: StackConfig) -> bool:
    return config.model_service.architecture == "orchestrated"


def _embedded_defaults(config: StackConfig) -> Resources:
    return sz.as_resources(sz.embedded_shape(*config.model_service.embedded_limits))


def _service(key: str) -> Resources:
    (req_cpu, req_mem), (lim_cpu, lim_mem) = sz.SERVICE_DEFAULTS[key]
    return _res(req_cpu, req_mem, lim_cpu, lim_mem)


def _model_service(group: PodGroup, component: ComponentName, key: str) -> Workload:
    return Workload(
        group,
        component,
        f"modelService.pods.{key}",
        _orchestrated,
        _service(key),
        f"modelService.resources.{key}",
    )


def _sized(
    group: ComponentName,
    key: str,
    enabled: Callable[[StackConfig], bool],
    resources: Resources,
    peak: Callable[[StackConfig], int] | None,
    part: Part | None,
    title: str | None = None,
) -> Workload:
    """A component's main pods, sized by `resources` with the user's `<key>.resources` on top."""
    return Workload(group, group, key, enabled, resources, f"{key}.resources", peak, part, title or group)


def _backend_peak(config: StackConfig) -> int:
    # The most backend pods the autoscaler may run.
    backend = config.studio.backend
    return backend.autoscaling.max_replicas if backend.autoscaling.enabled else backend.replicas


def _in_cluster_kafka(config: StackConfig) -> bool:
    return config.kafka_needed and config.kafka.mode == "in-cluster"


def _brokers(config: StackConfig) -> int:
    return getattr(config.kafka, "brokers", 0)


def _in_cluster_database(config: StackConfig) -> bool:
    return config.database.mode == "in-cluster"


def _backup(config: StackConfig) -> bool:
    return _in_cluster_database(config) and getattr(config.database, "backup", None) is not None


def _assistant(config: StackConfig) -> bool:
    return config.assistant.enabled


# Requests from Rasa's Studio sizing table; CPU may burst to twice that, memory is capped at the
# request so a pod never relies on memory the node did not reserve for it. The web client (static
# nginx) is "minimal"; the migration is not in the table (INFERRED: a short Prisma run).
WORKLOADS: tuple[Workload, ...] = (
    _sized(
        "web-client",
        "studio.webClient",
        _always,
        _res("50m", "64Mi", "200m", "128Mi"),
        lambda c: c.studio.web_client.replicas,
        "studio",
    ),
    _sized("backend", "studio.backend", _always, _res("1000m", "2000Mi", "2000m", "2000Mi"), _backend_peak, "studio"),
    # Runs once per Studio image during a deploy: not a peak pod.
    _sized(
        "database-migration", "studio.databaseMigration", _always, _res("250m", "512Mi", "1000m", "1000Mi"), None, None
    ),
    _sized(
        "keycloak",
        "studio.keycloak",
        lambda c: c.studio.keycloak.in_cluster,
        _res("1000m", "2000Mi", "2000m", "2000Mi"),
        lambda c: c.studio.keycloak.replicas,
        "studio",
    ),
    _sized(
        "event-ingestion",
        "studio.eventIngestion",
        lambda c: c.studio.event_ingestion.enabled,
        _res("500m", "1000Mi", "1000m", "1000Mi"),
        lambda c: c.studio.event_ingestion.replicas,
        "studio",
    ),
    # Sized by the rule of config/sizing.py (assistants, trainings), the user's values on top.
    Workload(
        "model-service",
        "model-service",
        "modelService.pods.embedded",
        lambda c: c.model_service.architecture == "embedded",
        _embedded_defaults,
        "modelService.resources.embedded",
    ),
    _model_service("model-training-orchestrator", "model-training-orchestrator", "trainingOrchestrator"),
    _model_service("model-training-consumer", "model-training-consumer", "trainingConsumer"),
    _model_service("model-running-orchestrator", "model-running-orchestrator", "runningOrchestrator"),
    _model_service("model-running-consumer", "model-running-consumer", "runningConsumer"),
    _model_service("nginx-reverse-proxy", "model-running-orchestrator", "talkProxy"),
    Workload("kafka-topics", "kafka", "kafka.topicsJob", lambda c: c.kafka_needed),
    _sized("kafka", "kafka", _in_cluster_kafka, _res("500m", "1Gi", "2", "2Gi"), _brokers, "backingServices"),
    _sized("postgresql", "database", _in_cluster_database, _res("250m", "512Mi", "1", "1Gi"), _one, "backingServices"),
    Workload("database-init", "postgresql", "database.setupJob", lambda c: c.database.mode in ("in-cluster", "rds")),
    _sized(
        "object-storage",
        "objectStorage",
        lambda c: c.object_storage.mode == "minio",
        _res("100m", "256Mi", "1", "1Gi"),
        _one,
        "backingServices",
        "minio",
    ),
    Workload("minio-bucket", "object-storage", "objectStorage.setupJob", lambda c: c.object_storage.mode == "minio"),
    # The assistant next to Studio (config/assistant.py). Rasa Pro's own guidance for `rasa run` is 1 CPU and
    # 2 GiB per replica with room to burst (INFERRED from charts/rasa's examples and the embedded service's floor).
    _sized(
        "assistant",
        "assistant",
        _assistant,
        _res("1000m", "2Gi", "2000m", "2Gi"),
        lambda c: c.assistant.peak_replicas,
        "assistant",
    ),
    _sized(
        "action-server",
        "assistant.actionServer",
        lambda c: _assistant(c) and c.assistant.action_server is not None,
        _res("250m", "512Mi", "1000m", "512Mi"),
        lambda c: c.assistant.action_server.replicas if c.assistant.action_server else 0,
        "assistant",
    ),
    _sized(
        "lock-store",
        "assistant.lockStore",
        lambda c: _assistant(c) and c.assistant.lock_store.mode == "in-cluster",
        _res("100m", "128Mi", "500m", "256Mi"),
        _one,
        "assistant",
        "redis",
    ),
    Workload("postgresql-backup", "postgresql", "database.backup", _backup),
    # The restore Job shares the backup's pod settings (one key, docs/operations.md).
    Workload("postgresql-restore", "postgresql", "database.backup", _backup),
)

BY_GROUP: dict[str, Workload] = {w.group: w for w in WORKLOADS}
COMPONENTS: tuple[ComponentName, ...] = get_args(ComponentName)
HELPERS: tuple[HelperName, ...] = get_args(HelperName)


def workload(group: str) -> Workload:
    """The registry entry of a pod group; a group without one cannot be built."""
    try:
        return BY_GROUP[group]
    except KeyError:
        raise LookupError(f"pod group {group!r} is not in config/workloads.py WORKLOADS: declare it there") from None


def fixed_resources(group: str) -> Resources:
    """The default resources of a workload whose defaults do not depend on the config."""
    resources = workload(group).resources
    assert isinstance(resources, Resources), group
    return resources


def enabled(config: StackConfig) -> list[Workload]:
    """The workloads this stack runs, in registry order."""
    return [w for w in WORKLOADS if w.enabled(config)]


def settings_keys(config: StackConfig) -> list[str]:
    """Config keys of the pod settings of every workload this stack runs, once each."""
    return list(dict.fromkeys(w.key for w in enabled(config)))


def override(config: StackConfig, key: str) -> Resources | None:
    """The user's resources at a config key such as studio.backend.resources."""
    node: object = config
    for part in key.split("."):
        node = getattr(node, to_snake(part))
    assert node is None or isinstance(node, Resources), key
    return node
