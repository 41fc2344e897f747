"""Checks of a valid config against the components' own defaults, before any resource exists.

The config models check each value alone; a container's requests and limits are the component's
defaults with the user's values on top (config.sizing.merge_resources), so a request the user
raises above a default limit, or a default pod bigger than `modelService.nodeSize`, only shows
here. Pure: no Pulumi resources, so `__main__.py` runs it inside config.load.
"""

from __future__ import annotations

from typing import NamedTuple

from config import StackConfig
from config import sizing as sz
from config.backing import InClusterDatabase, InClusterKafka, MinioStorage
from config.base import ResourceList, Resources, quantity_amount
from config.errors import problem

from .backing import kafka_in_cluster, minio, postgresql_in_cluster
from .studio_app import defaults as studio_defaults


class Container(NamedTuple):
    # The config key of the user's override, as the error names it.
    key: str
    defaults: Resources
    override: Resources | None


def containers(config: StackConfig) -> list[Container]:
    studio = config.studio
    found = [
        Container("studio.webClient.resources", studio_defaults.RESOURCES["web-client"], studio.web_client.resources),
        Container("studio.backend.resources", studio_defaults.RESOURCES["backend"], studio.backend.resources),
        Container(
            "studio.databaseMigration.resources",
            studio_defaults.RESOURCES["database-migration"],
            studio.database_migration.resources,
        ),
        Container("studio.keycloak.resources", studio_defaults.RESOURCES["keycloak"], studio.keycloak.resources),
        Container(
            "studio.eventIngestion.resources",
            studio_defaults.RESOURCES["event-ingestion"],
            studio.event_ingestion.resources,
        ),
    ]
    if isinstance(config.kafka, InClusterKafka):
        found.append(Container("kafka.resources", kafka_in_cluster.DEFAULT_RESOURCES, config.kafka.resources))
    if isinstance(config.database, InClusterDatabase):
        found.append(
            Container("database.resources", postgresql_in_cluster.DEFAULT_RESOURCES, config.database.resources)
        )
    if isinstance(config.object_storage, MinioStorage):
        found.append(Container("objectStorage.resources", minio.DEFAULT_RESOURCES, config.object_storage.resources))
    ms = config.model_service
    if ms.architecture == "orchestrated":
        fields = {f.alias or name: name for name, f in type(ms.resources).model_fields.items()}
        for key, ((req_cpu, req_mem), (lim_cpu, lim_mem)) in sz.SERVICE_DEFAULTS.items():
            defaults = Resources(
                requests=ResourceList(cpu=req_cpu, memory=req_mem), limits=ResourceList(cpu=lim_cpu, memory=lim_mem)
            )
            override = getattr(ms.resources, fields[key])
            found.append(Container(f"modelService.resources.{key}", defaults, override))
    else:
        derived = sz.as_resources(sz.embedded_shape(*ms.embedded_limits))
        found.append(Container("modelService.resources.embedded", derived, ms.resources.embedded))
    return found


def problems(config: StackConfig) -> list[str]:
    """Every container's merged requests <= limits, every pod fits one node, Kafka's partitions fit its volume."""
    found: list[str] = []
    if isinstance(config.kafka, InClusterKafka) and config.kafka_needed:
        try:
            kafka_in_cluster.topic_retention(config)
        except ValueError as exc:
            found.append(problem("kafka.storageSize", f"{config.kafka.storage_size} is too small: {exc}"))
    node = sz.node_size(config.model_service)
    for container in containers(config):
        requests, limits = (
            _merged(container.defaults.requests, container, "requests"),
            _merged(container.defaults.limits, container, "limits"),
        )
        bad = False
        for key in ("cpu", "memory"):
            request, limit = requests[key], limits[key]
            if quantity_amount(request) > quantity_amount(limit):
                bad = True
                side = "requests" if _given(container.override, "requests", key) else "limits"
                found.append(
                    problem(
                        f"{container.key}.{side}.{key}",
                        f"the request {request} is above the limit {limit} (a default where you set only one "
                        f"of them); Kubernetes refuses the container: set both requests.{key} and limits.{key}",
                    )
                )
        if bad:
            continue
        shape = sz.resource_shape(container.defaults, container.override)
        if shape.requests.cpu > node.cpu or shape.requests.memory > node.memory:
            key = f"{container.key}.requests" if _given(container.override, "requests") else "modelService.nodeSize"
            found.append(
                problem(
                    key,
                    f"the pod of {container.key} requests {shape.requests.as_dict()}, more than one "
                    f"node of modelService.nodeSize {node.as_dict()} offers: no node could schedule it",
                )
            )
    return found


def _merged(defaults: ResourceList, container: Container, side: str) -> dict[str, str]:
    """The merge rule of config.sizing.merge_resources, on plain values (no model to refuse it yet)."""
    given = getattr(container.override, side).model_dump(exclude_none=True) if container.override else {}
    return {**defaults.model_dump(exclude_none=True), **given}


def _given(override: Resources | None, side: str, key: str | None = None) -> bool:
    if override is None:
        return False
    values: ResourceList = getattr(override, side)
    if key is None:
        return values.cpu is not None or values.memory is not None
    return getattr(values, key) is not None
