"""Replica sizing, pod shapes and peak capacity: pure arithmetic, no Pulumi.

The rules come from Rasa's architecture page (https://rasa.com/docs/reference/architecture/studio) and sizing page (https://rasa.com/docs/studio/installation/installation-guides/resource-requirements):
- a model-training consumer runs one training Job at a time, so the training consumers are the
  trainings that may run in parallel; more triggered trainings queue until one is free;
- a model-running consumer runs one assistant at a time, and a newly trained model must always
  find a free one: at least assistants + 1, and assistants x 2 when users train often (the old
  model keeps running until the new one is up).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .base import ResourceList, Resources, quantity_amount

if TYPE_CHECKING:
    from .model_service import ModelServiceConfig

# --- replica rules -------------------------------------------------------------------------


def training_consumers_needed(parallel_trainings: int) -> int:
    return parallel_trainings


def running_consumers_needed(assistants: int, frequent_training: bool) -> int:
    # assistants x 2 >= assistants + 1 for any assistants >= 1, so "frequent" never lowers it.
    return max(assistants + 1, assistants * 2 if frequent_training else 0)


def training_rule(parallel_trainings: int) -> str:
    return (
        f"each training consumer runs one training at a time, so it must be >= parallelTrainings "
        f"({parallel_trainings}); raise parallelTrainings instead if you want fewer queued trainings"
    )


def running_rule(assistants: int, frequent_training: bool) -> str:
    needed = running_consumers_needed(assistants, frequent_training)
    why = (
        f"assistants x 2 = {needed} because frequentTraining is true (the old model keeps a consumer "
        "while the new one starts)"
        if frequent_training
        else f"assistants + 1 = {needed}, so a newly trained model always finds a free consumer"
    )
    return f"each running consumer runs one assistant, so it must be >= {why}"


@dataclass(frozen=True)
class Sizing:
    """Replicas of the orchestrated model services and the Jobs they run at peak."""

    training_consumers: int
    running_consumers: int

    @property
    def training_jobs(self) -> int:
        # One training Job per busy training consumer.
        return self.training_consumers

    @property
    def running_jobs(self) -> int:
        # One running Job per busy running consumer; at peak every consumer (the spare
        # included, while a new model starts next to the old one) runs one.
        return self.running_consumers

    def as_dict(self) -> dict[str, int]:
        return {
            "trainingConsumers": self.training_consumers,
            "runningConsumers": self.running_consumers,
        }


def sizing(
    assistants: int,
    parallel_trainings: int,
    frequent_training: bool,
    training_override: int | None = None,
    running_override: int | None = None,
) -> Sizing:
    """Replicas from the rules; an override may only raise them (config validation refuses lower)."""
    training = training_consumers_needed(parallel_trainings)
    running = running_consumers_needed(assistants, frequent_training)
    return Sizing(
        training_consumers=max(training, training_override or 0),
        running_consumers=max(running, running_override or 0),
    )


# --- quantities ----------------------------------------------------------------------------

MI = 2**20
GI = 2**30


def _amount(quantity: str) -> Decimal:
    # The config models accept only quantities of Kubernetes' grammar; one parser for both.
    return quantity_amount(quantity)


def cpu_millis(quantity: str) -> int:
    """'2500m' -> 2500, '2' -> 2000, '0.5' -> 500 (rounded up: the scheduler never rounds down)."""
    return math.ceil(_amount(quantity) * 1000)


def memory_bytes(quantity: str) -> int:
    """'2.5Gi' -> 2684354560, '512Mi' -> 536870912, '1G' -> 10**9."""
    return math.ceil(_amount(quantity))


def format_cpu(millis: int) -> str:
    return f"{millis // 1000}" if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: int) -> str:
    if size % GI == 0:
        return f"{size // GI}Gi"
    if size % MI == 0:
        return f"{size // MI}Mi"
    return f"{math.ceil(size / MI)}Mi"


@dataclass(frozen=True)
class Demand:
    """CPU (millicores) and memory (bytes)."""

    cpu: int = 0
    memory: int = 0

    def __add__(self, other: Demand) -> Demand:
        return Demand(self.cpu + other.cpu, self.memory + other.memory)

    def __mul__(self, times: int) -> Demand:
        return Demand(self.cpu * times, self.memory * times)

    def as_dict(self) -> dict[str, str]:
        return {"cpu": format_cpu(self.cpu), "memory": format_memory(self.memory)}


@dataclass(frozen=True)
class PodShape:
    """What one pod asks for (requests) and may use (limits)."""

    requests: Demand
    limits: Demand


def shape(requests: tuple[str, str], limits: tuple[str, str]) -> PodShape:
    """From (cpu, memory) quantity pairs."""
    return PodShape(
        requests=Demand(cpu_millis(requests[0]), memory_bytes(requests[1])),
        limits=Demand(cpu_millis(limits[0]), memory_bytes(limits[1])),
    )


def merge_resources(defaults: Resources, override: Resources | None = None) -> Resources:
    """THE merge rule of requests and limits: the component's defaults, each value the user set on top.

    workload.resources builds every container's resources with it and the capacity output reads
    pod shapes through it, so what is deployed and what is counted cannot drift apart.
    """
    if override is None:
        return defaults

    def pick(default: ResourceList, given: ResourceList) -> ResourceList:
        return ResourceList(**{**default.model_dump(exclude_none=True), **given.model_dump(exclude_none=True)})

    return Resources(requests=pick(defaults.requests, override.requests), limits=pick(defaults.limits, override.limits))


def resource_shape(defaults: Resources, override: Resources | None = None) -> PodShape:
    """The shape of a one-container pod built with merge_resources(defaults, override)."""
    merged = merge_resources(defaults, override)
    req, lim = merged.requests, merged.limits
    if None in (req.cpu, req.memory, lim.cpu, lim.memory):
        raise ValueError(f"defaults must set every request and limit, got {merged.model_dump()}")
    return shape((str(req.cpu), str(req.memory)), (str(lim.cpu), str(lim.memory)))


def as_resources(pod: PodShape) -> Resources:
    """The container resources of a computed shape, in canonical quantities."""
    return Resources(
        requests=ResourceList(cpu=format_cpu(pod.requests.cpu), memory=format_memory(pod.requests.memory)),
        limits=ResourceList(cpu=format_cpu(pod.limits.cpu), memory=format_memory(pod.limits.memory)),
    )


# --- default resources of the model-service pods (Rasa's sizing pages leave them unset) -----------
# INFERRED: the orchestrators and consumers are small Python services that wait on Kafka and the
# Kubernetes API; the heavy lifting happens in the Rasa Pro Jobs. Override per pod in config.
SERVICE_DEFAULTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "trainingOrchestrator": (("250m", "512Mi"), ("1", "1Gi")),
    "trainingConsumer": (("100m", "256Mi"), ("500m", "512Mi")),
    "runningOrchestrator": (("250m", "512Mi"), ("1", "1Gi")),
    "runningConsumer": (("100m", "256Mi"), ("500m", "512Mi")),
    "talkProxy": (("50m", "64Mi"), ("250m", "128Mi")),
}

# Embedded model service (https://rasa.com/docs/studio/installation/installation-guides/resource-requirements, INFERRED rule): memory ~ base + 0.5Gi per running
# assistant, CPU ~ 1 core per parallel training. The base holds the Python process, the Socket.IO
# bridge and one training's ~800 MB (Rasa's resource requirements: "Training ~ 800 MB RAM + 1000m CPU each").
EMBEDDED_BASE_MEMORY = 2 * GI
EMBEDDED_MEMORY_PER_BOT = GI // 2
EMBEDDED_CPU_PER_TRAINING = 1000
# Headroom above the requests so a burst (model loading, Socket.IO) is throttled, not killed.
EMBEDDED_CPU_LIMIT_EXTRA = 1000


def embedded_shape(max_parallel_trainings: int, max_parallel_bot_runs: int) -> PodShape:
    memory = EMBEDDED_BASE_MEMORY + EMBEDDED_MEMORY_PER_BOT * max_parallel_bot_runs
    cpu = EMBEDDED_CPU_PER_TRAINING * max_parallel_trainings
    # Memory limit = request: the scheduler reserves what the rule says the pod needs, and an
    # overcommitted node never OOM-kills the only model service for another pod's burst.
    return PodShape(requests=Demand(cpu, memory), limits=Demand(cpu + EMBEDDED_CPU_LIMIT_EXTRA, memory))


# --- capacity --------------------------------------------------------------------------------


MODEL_SERVICES_SCOPE = "model services at peak"


@dataclass(frozen=True)
class Part:
    """The pods and requests of one part of a wider scope (Studio, backing services, ...)."""

    name: str
    pods: int
    requests: Demand

    def as_dict(self) -> dict[str, object]:
        return {"pods": self.pods, **self.requests.as_dict()}


@dataclass(frozen=True)
class Capacity:
    """Peak demand of a set of pods, and the nodes of one size it takes."""

    pods: int
    requests: Demand
    limits: Demand
    node: Demand
    nodes: int
    scope: str = MODEL_SERVICES_SCOPE
    # Pods and requests per part, when the scope spans several.
    parts: tuple[Part, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "scope": self.scope,
            "pods": self.pods,
            "requests": self.requests.as_dict(),
            "limits": self.limits.as_dict(),
            "nodeSize": self.node.as_dict(),
            "nodes": self.nodes,
        }
        if self.parts:
            out["requestsByPart"] = {part.name: part.as_dict() for part in self.parts}
        return out


def nodes_needed(requests: Demand, largest: Demand, node: Demand) -> int:
    """Nodes of `node` allocatable size that fit the requests (the scheduler packs by requests).

    A lower bound: bin packing can need one more. Never less than what the largest pod needs.
    """
    if largest.cpu > node.cpu or largest.memory > node.memory:
        raise ValueError("a single pod requests more than one node offers")
    return max(1, math.ceil(requests.cpu / node.cpu), math.ceil(requests.memory / node.memory))


def capacity(pods: list[tuple[PodShape, int]], node: Demand) -> Capacity:
    """Sum of (shape, count) pairs against a node size."""
    requests = Demand()
    limits = Demand()
    count = 0
    for pod, times in pods:
        requests += pod.requests * times
        limits += pod.limits * times
        count += times
    largest = Demand(
        max((p.requests.cpu for p, n in pods if n), default=0),
        max((p.requests.memory for p, n in pods if n), default=0),
    )
    return Capacity(
        pods=count, requests=requests, limits=limits, node=node, nodes=nodes_needed(requests, largest, node)
    )


def service_shape(ms: ModelServiceConfig, key: str) -> PodShape:
    (req_cpu, req_mem), (lim_cpu, lim_mem) = SERVICE_DEFAULTS[key]
    defaults = Resources(
        requests=ResourceList(cpu=req_cpu, memory=req_mem), limits=ResourceList(cpu=lim_cpu, memory=lim_mem)
    )
    return resource_shape(defaults, getattr(ms.resources, _snake(key)))


def _snake(key: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def job_shape(ms: ModelServiceConfig) -> PodShape:
    job = ms.job.resources
    return shape((job.requests.cpu, job.requests.memory), (job.limits.cpu, job.limits.memory))


def node_size(ms: ModelServiceConfig) -> Demand:
    return Demand(cpu_millis(ms.node_size.cpu), memory_bytes(ms.node_size.memory))


def model_service_pods(ms: ModelServiceConfig) -> list[tuple[str, PodShape, int]]:
    """(name, shape, count) of the model-service pods at peak: every service pod up, every
    training consumer training, every running consumer running an assistant (spare consumers
    included: at peak a new model starts beside the old)."""
    if ms.architecture == "embedded":
        # The shape the Deployment gets: the rule, with `resources.embedded` on top.
        return [("embedded model service", ms.embedded_shape, 1)]
    size = ms.sizing
    job = job_shape(ms)
    return [
        ("training orchestrator", service_shape(ms, "trainingOrchestrator"), 1),
        ("running orchestrator", service_shape(ms, "runningOrchestrator"), 1),
        ("talk proxy", service_shape(ms, "talkProxy"), 1),
        ("training consumer", service_shape(ms, "trainingConsumer"), size.training_consumers),
        ("running consumer", service_shape(ms, "runningConsumer"), size.running_consumers),
        ("training Job", job, size.training_jobs),
        ("running Job", job, size.running_jobs),
    ]


def model_service_capacity(ms: ModelServiceConfig) -> Capacity:
    return capacity([(pod, count) for _, pod, count in model_service_pods(ms)], node_size(ms))
