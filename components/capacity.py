"""Peak demand of the whole deployment, for the `capacity` stack output: pure, no Pulumi resources.

Every pod shape comes from the constants and config its component builds the pod from, merged by
config.sizing.merge_resources (the rule workload.resources applies), so the count follows any
change to a default or an override. What runs at peak:

- the Studio containers, at their replicas (the backend at its autoscaler's maxReplicas);
- the backing services that run in the cluster (Kafka brokers, PostgreSQL, MinIO); managed and
  external ones run no pods here;
- the model services with every Job they may start (config/sizing.py).

One-shot Jobs that run only while Pulumi deploys are left out: the database migration, the
PostgreSQL database init, the Kafka topics and MinIO bucket Jobs. They finish before the
services take load, and their requests are small next to the headroom a node keeps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from config import StackConfig
from config import sizing as sz
from config.backing import InClusterDatabase, InClusterKafka, MinioStorage
from config.studio import Component

from .backing import kafka_in_cluster, minio, postgresql_in_cluster
from .studio_app import defaults as studio_defaults

SCOPE = "whole deployment at peak"
STUDIO = "studio"
BACKING = "backingServices"
MODEL_SERVICES = "modelServices"


class Pod(NamedTuple):
    name: str
    shape: sz.PodShape
    instances: int


def studio_pods(config: StackConfig) -> list[Pod]:
    studio = config.studio
    backend = studio.backend
    # The most backend pods the autoscaler may run.
    backend_replicas = backend.autoscaling.max_replicas if backend.autoscaling.enabled else backend.replicas
    components: tuple[tuple[studio_defaults.StudioContainer, Component, int], ...] = (
        ("web-client", studio.web_client, studio.web_client.replicas),
        ("backend", backend, backend_replicas),
        ("keycloak", studio.keycloak, studio.keycloak.replicas if studio.keycloak_in_cluster else 0),
        (
            "event-ingestion",
            studio.event_ingestion,
            studio.event_ingestion.replicas if studio.event_ingestion.enabled else 0,
        ),
    )
    # The database-migration Job runs once per Studio image during a deploy: not a peak pod.
    return [
        Pod(name, sz.resource_shape(studio_defaults.RESOURCES[name], settings.resources), replicas)
        for name, settings, replicas in components
    ]


def backing_pods(config: StackConfig) -> list[Pod]:
    pods: list[Pod] = []
    if isinstance(config.kafka, InClusterKafka) and config.kafka_needed:
        shape = sz.resource_shape(kafka_in_cluster.DEFAULT_RESOURCES, config.kafka.resources)
        pods.append(Pod("kafka", shape, config.kafka.brokers))
    if isinstance(config.database, InClusterDatabase):
        shape = sz.resource_shape(postgresql_in_cluster.DEFAULT_RESOURCES, config.database.resources)
        pods.append(Pod("postgresql", shape, 1))
    if isinstance(config.object_storage, MinioStorage):
        shape = sz.resource_shape(minio.DEFAULT_RESOURCES, config.object_storage.resources)
        pods.append(Pod("minio", shape, 1))
    return pods


def model_service_pods(config: StackConfig) -> list[Pod]:
    return [Pod(*pod) for pod in sz.model_service_pods(config.model_service)]


def deployment_parts(config: StackConfig) -> dict[str, list[Pod]]:
    return {
        STUDIO: studio_pods(config),
        BACKING: backing_pods(config),
        MODEL_SERVICES: model_service_pods(config),
    }


def deployment_pods(config: StackConfig) -> list[Pod]:
    """(name, shape, instances) of every pod the deployment runs at peak."""
    return [pod for pods in deployment_parts(config).values() for pod in pods]


def deployment_capacity(config: StackConfig) -> sz.Capacity:
    """Requests and limits of every pod at peak, and the nodes of `modelService.nodeSize` they take."""
    node = sz.node_size(config.model_service)
    parts = deployment_parts(config)
    for pod in (pod for pods in parts.values() for pod in pods):
        if pod.instances and (pod.shape.requests.cpu > node.cpu or pod.shape.requests.memory > node.memory):
            raise ValueError(
                f"the {pod.name} pod requests {pod.shape.requests.as_dict()}, more than one node of "
                f"modelService.nodeSize {node.as_dict()} offers: no node could schedule it"
            )
    total = sz.capacity([(pod.shape, pod.instances) for pods in parts.values() for pod in pods], node)
    summary = tuple(sz.Part(name, *_sum(pods)) for name, pods in parts.items() if any(pod.instances for pod in pods))
    return replace(total, scope=SCOPE, parts=summary)


def _sum(pods: list[Pod]) -> tuple[int, sz.Demand]:
    requests = sz.Demand()
    for pod in pods:
        requests += pod.shape.requests * pod.instances
    return sum(pod.instances for pod in pods), requests
