"""The rule between an operator's pod settings and a pod: a name the program sets is never replaced.

A pod's shape is the names the program sets on it: its annotation keys, its volume names, and per
container (init containers first, as the pod runs them) its variable names and mount paths. An
operator's `podAnnotations`, `extraVolumes`, `extraEnv` and `extraVolumeMounts` must not name one
of them. The validation pass (components/preflight.py) checks every pod of the stack against its
shape (components/pod_shapes.py) before anything is registered; the pod builder
(workload.apply_pod_settings) only asserts it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_kubernetes.core import v1 as core

from config.errors import problem
from config.pods import PodSettings


@dataclass(frozen=True)
class ContainerShape:
    name: str
    env: frozenset[str]
    mount_paths: frozenset[str]


@dataclass(frozen=True)
class PodShape:
    annotations: frozenset[str]
    volumes: frozenset[str]
    # Init containers first.
    containers: tuple[ContainerShape, ...]


def listed(value: object) -> list[Any]:
    """A list the pod builders made (never an Output: pod specs are assembled from plain lists)."""
    assert value is None or isinstance(value, (list, tuple)), value
    return list(value or ())


def shape(annotations: Mapping[str, object] | None, spec: core.PodSpecArgs) -> PodShape:
    """The names the program set on a pod, before any pod setting is applied."""
    pod: Any = spec
    return PodShape(
        annotations=frozenset(annotations or {}),
        volumes=frozenset(v.name for v in listed(pod.volumes)),
        containers=tuple(
            ContainerShape(
                str(c.name),
                frozenset(e.name for e in listed(c.env)),
                frozenset(m.mount_path for m in listed(c.volume_mounts)),
            )
            for c in [*listed(pod.init_containers), *listed(pod.containers)]
        ),
    )


def template_shape(template: core.PodTemplateSpecArgs) -> PodShape:
    metadata: Any = template.metadata
    assert isinstance(template.spec, core.PodSpecArgs), template.spec
    return shape(metadata.annotations if metadata is not None else None, template.spec)


def annotation_clashes(key: str, given: Mapping[str, str], taken: Collection[str]) -> list[str]:
    """Every annotation of `given` (at config key `key`) that the program sets itself (`taken`)."""
    return [
        problem(key, f"'{name}' is set by rasa-studio on this pod (annotation); choose another name")
        for name in sorted(given)
        if name in taken
    ]


def clashes(key: str, settings: PodSettings, pod: PodShape) -> list[str]:
    """Every name of `settings` (at config key `key`) that the program already sets on `pod`."""
    found = annotation_clashes(f"{key}.podAnnotations", settings.pod_annotations or {}, pod.annotations)
    found += [
        problem(f"{key}.extraVolumes", f"'{volume.name}' is a volume rasa-studio mounts; choose another name")
        for volume in settings.extra_volumes or ()
        if volume.name in pod.volumes
    ]
    env = [var.name for var in settings.extra_env or ()]
    found += [
        problem(
            f"{key}.extraEnv",
            f"{name} is set by rasa-studio in container {c}; it is configured through this stack's own keys",
        )
        for name, c in _first_setting(pod, env, lambda container: container.env)
    ]
    paths = [m.mount_path for m in settings.extra_volume_mounts or ()]
    found += [
        problem(f"{key}.extraVolumeMounts", f"{path} is already mounted by rasa-studio in container {c}")
        for path, c in _first_setting(pod, paths, lambda container: container.mount_paths)
    ]
    return found


def _first_setting(
    pod: PodShape, names: list[str], taken: Callable[[ContainerShape], frozenset[str]]
) -> list[tuple[str, str]]:
    """(name, the first container that sets it) for each of `names` a container of `pod` sets."""
    found = []
    for name in names:
        container = next((c.name for c in pod.containers if name in taken(c)), None)
        if container is not None:
            found.append((name, container))
    return found
