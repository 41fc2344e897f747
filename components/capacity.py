"""Peak demand of the whole deployment, for the `capacity` stack output: pure, no Pulumi resources.

Every pod shape comes from the constants and config its component builds the pod from, merged by
config.sizing.merge_resources (the rule workload.resources applies), so the count follows any
change to a default or an override. What runs at peak:

- the Studio containers, at their replicas (the backend at its autoscaler's maxReplicas);
- the backing services that run in the cluster (Kafka brokers, PostgreSQL, MinIO); managed and
  external ones run no pods here;
- the model services with every Job they may start (config/sizing.py);
- the assistant next to Studio, its action server and in-cluster lock store, when enabled.

One-shot Jobs that run only while Pulumi deploys are left out: the database migration, the
PostgreSQL database init, the Kafka topics and MinIO bucket Jobs. They finish before the
services take load, and their requests are small next to the headroom a node keeps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from config import StackConfig, workloads
from config import sizing as sz

SCOPE = "whole deployment at peak"
STUDIO: workloads.Part = "studio"
BACKING: workloads.Part = "backingServices"
MODEL_SERVICES: workloads.Part = "modelServices"
ASSISTANT: workloads.Part = "assistant"


class Pod(NamedTuple):
    name: str
    shape: sz.PodShape
    instances: int


def _pods(config: StackConfig, part: workloads.Part) -> list[Pod]:
    return [
        Pod(w.title, sz.resource_shape(defaults, workloads.override(config, w.resources_key)), w.peak(config))
        for w in workloads.enabled(config)
        if w.part == part and w.peak is not None and w.resources_key is not None
        if (defaults := w.default_resources(config)) is not None
    ]


def studio_pods(config: StackConfig) -> list[Pod]:
    return _pods(config, STUDIO)


def backing_pods(config: StackConfig) -> list[Pod]:
    """The backing services that run in the cluster; managed and external ones run no pods here."""
    return _pods(config, BACKING)


def model_service_pods(config: StackConfig) -> list[Pod]:
    return [Pod(*pod) for pod in sz.model_service_pods(config.model_service)]


def deployment_parts(config: StackConfig) -> dict[str, list[Pod]]:
    return {
        STUDIO: studio_pods(config),
        BACKING: backing_pods(config),
        MODEL_SERVICES: model_service_pods(config),
        ASSISTANT: _pods(config, ASSISTANT),
    }


def deployment_pods(config: StackConfig) -> list[Pod]:
    """(name, shape, instances) of every pod the deployment runs at peak."""
    return [pod for pods in deployment_parts(config).values() for pod in pods]


def deployment_capacity(config: StackConfig) -> sz.Capacity:
    """Requests and limits of every pod at peak, and the nodes of `modelService.nodeSize` they take."""
    node = sz.node_size(config.model_service)
    parts = deployment_parts(config)
    # Every pod fits one node: the config passed components/preflight.py before anything is built.
    total = sz.capacity([(pod.shape, pod.instances) for pods in parts.values() for pod in pods], node)
    summary = tuple(sz.Part(name, *_sum(pods)) for name, pods in parts.items() if any(pod.instances for pod in pods))
    return replace(total, scope=SCOPE, parts=summary)


def _sum(pods: list[Pod]) -> tuple[int, sz.Demand]:
    requests = sz.Demand()
    for pod in pods:
        requests += pod.shape.requests * pod.instances
    return sum(pod.instances for pod in pods), requests
