"""The checks of a valid config that need the workloads' defaults, before any resource exists.

The config models check each value alone; a container's requests and limits are the workload's
defaults with the user's values on top (config.sizing.merge_resources). Every resource rule lives
here, once: requests <= limits and "fits one node" for every container that runs (the Rasa Pro Jobs
included), on the merged values. So does the rule between an operator's pod settings and the names
the program sets on each pod (components/pod_clash.py), checked on the pods as their components
build them (components/pod_shapes.py). Pure: no Pulumi resources; `__main__.py` runs it inside
config.load, and the renderer and tests through the same config.loader.check.
"""

from __future__ import annotations

from typing import NamedTuple

from config import StackConfig, workloads
from config import sizing as sz
from config.backing import InClusterKafka
from config.base import ResourceList, Resources, quantity_amount
from config.errors import problem

from . import pod_shapes
from .backing import kafka_in_cluster
from .pod_clash import annotation_clashes, clashes


class Container(NamedTuple):
    # The config key of the user's override, as the error names it.
    key: str
    defaults: Resources
    override: Resources | None


def containers(config: StackConfig) -> list[Container]:
    """The sized container of every workload this stack runs (config/workloads.py), and the Rasa Pro Jobs."""
    found = [
        Container(w.resources_key, defaults, workloads.override(config, w.resources_key))
        for w in workloads.enabled(config)
        if w.resources_key is not None and (defaults := w.default_resources(config)) is not None
    ]
    ms = config.model_service
    if ms.architecture == "orchestrated":
        # The consumers start them at run time; both sides are always given (config.model_service.JobResources).
        job = Resources.model_validate(ms.job.resources.model_dump())
        found.append(Container("modelService.job.resources", job, job))
    return found


def problems(config: StackConfig) -> list[str]:
    """The resource rules, then (the pods are built from values those checked) the pod settings'
    names against the program's."""
    return _resource_problems(config) or pod_setting_problems(config)


def pod_setting_problems(config: StackConfig) -> list[str]:
    """Every name of an operator's pod settings that the program sets on that pod itself, and every
    model-service ServiceAccount annotation the object storage sets (IRSA's role)."""
    found: list[str] = []
    pods = pod_shapes.shapes(config)
    for w in workloads.enabled(config):
        if w.group in pods:
            found += clashes(w.key, config.pod_settings(w.key), pods[w.group])
    storage = pod_shapes.backing(pod_shapes.bare_context(config)).storage
    found += annotation_clashes(
        "modelService.serviceAccount.annotations",
        config.model_service.service_account.annotations,
        storage.service_account_annotations,
    )
    # Two pod groups with one key (the backup and the restore) refuse a name once.
    return list(dict.fromkeys(found))


def _resource_problems(config: StackConfig) -> list[str]:
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
                both = _given(container.override, "requests", key) and _given(container.override, "limits", key)
                why = "" if both else " (a default where you set only one of them)"
                fix = (
                    f"lower requests.{key} or raise limits.{key}"
                    if both
                    else f"set both requests.{key} and limits.{key}"
                )
                found.append(
                    problem(
                        f"{container.key}.{side}.{key}",
                        f"the request {request} is above the limit {limit}{why}; Kubernetes refuses the container: {fix}",
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
