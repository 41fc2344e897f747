"""The pods the validation pass builds from config alone are the pods the program registers.

The pass refuses a pod setting that names what the program sets on a pod (components/pod_clash.py)
by the pods of components/pod_shapes.py. Those must carry exactly the names of the rendered pods,
or a clash would slip through to the build (an assertion there) or a good setting be refused.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from components import pod_shapes
from components.labels import NAME_LABEL
from components.pod_clash import ContainerShape, PodShape
from config import StackConfig, workloads
from config.loader import validate
from tests.harness import manifests, run_config, run_stack, stack_input
from tests.test_backing import EXTERNAL
from tools.program import ProgramRun

# The stacks, the other model-service architecture, backups with a restore, and external services
# over TLS with a private CA: every pod group and every optional volume, mount and variable.
ASSISTANT = (
    "assistant.enabled=true",
    "assistant.assistantId=shop",
    "assistant.model.path=shop.tar.gz",
    "assistant.replicas=2",
)
ACTIONS = ("assistant.actionServer.image=registry.example.com/actions", "assistant.actionServer.tag=v1")
RUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dev": ("dev", ()),
    "staging": ("staging", ()),
    "prod": ("prod", ()),
    "dev embedded": ("dev", ("studio.version=1.17.0", "modelService.architecture=embedded")),
    "dev backups": ("dev", ("database.backup.restoreFrom=20261204T030000Z",)),
    # The assistant with its in-cluster lock store and action server; on prod ElastiCache.
    "dev assistant": ("dev", (*ASSISTANT, "assistant.lockStore.mode=in-cluster", *ACTIONS)),
    "prod assistant": (
        "prod",
        (*ASSISTANT, "assistant.lockStore.mode=elasticache", "assistant.host=assistant.example.com"),
    ),
}


def _template(obj: dict[str, Any]) -> dict[str, Any] | None:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    return spec.get("template") if obj["kind"] in ("Deployment", "StatefulSet", "Job") else None


def rendered(run: ProgramRun) -> dict[str, PodShape]:
    """The names on every registered pod, by pod group (its app.kubernetes.io/name)."""
    found: dict[str, PodShape] = {}
    for obj in manifests(run):
        template = _template(obj)
        if template is None:
            continue
        pod = template["spec"]
        group = template["metadata"]["labels"][NAME_LABEL]
        shape = PodShape(
            annotations=frozenset(template["metadata"].get("annotations", {})),
            volumes=frozenset(v["name"] for v in pod.get("volumes", [])),
            containers=tuple(
                ContainerShape(
                    c["name"],
                    frozenset(e["name"] for e in c.get("env", [])),
                    frozenset(m["mountPath"] for m in c.get("volumeMounts", [])),
                )
                for c in [*pod.get("initContainers", []), *pod["containers"]]
            ),
        )
        # One shape per pod group: every pod of a group (the assistant's tracker Job beside
        # Studio's database-init Job) is held to the pass's one pod.
        assert found.setdefault(group, shape) == shape, group
    return found


def drift(computed: dict[str, PodShape], registered: dict[str, PodShape]) -> list[str]:
    """Every pod group and name where the pass's pods and the registered ones differ."""
    found = [f"{g}: only in the pass" for g in sorted(set(computed) - set(registered))]
    found += [f"{g}: only registered" for g in sorted(set(registered) - set(computed))]
    for group in sorted(set(computed) & set(registered)):
        mine, theirs = computed[group], registered[group]
        for field in ("annotations", "volumes"):
            if getattr(mine, field) != getattr(theirs, field):
                found.append(f"{group} {field}: {sorted(getattr(mine, field) ^ getattr(theirs, field))}")
        if [c.name for c in mine.containers] != [c.name for c in theirs.containers]:
            found.append(
                f"{group} containers: {[c.name for c in mine.containers]} != {[c.name for c in theirs.containers]}"
            )
            continue
        for a, b in zip(mine.containers, theirs.containers, strict=True):
            if a.env != b.env:
                found.append(f"{group} {a.name} env: {sorted(a.env ^ b.env)}")
            if a.mount_paths != b.mount_paths:
                found.append(f"{group} {a.name} mounts: {sorted(a.mount_paths ^ b.mount_paths)}")
    return found


def _config(plain: dict[str, Any]) -> StackConfig:
    config, problems = validate(plain)
    assert config is not None, problems
    return config


def _case(name: str) -> tuple[StackConfig, ProgramRun]:
    if name == "dev external":
        return _config(EXTERNAL), run_config("dev", EXTERNAL)
    stack, sets = RUNS[name]
    return _config(stack_input(stack, *sets).plain), run_stack(stack, *sets)


@pytest.mark.parametrize("name", [*RUNS, "dev external"])
def test_the_pass_builds_the_registered_pods(name: str) -> None:
    config, run = _case(name)
    registered = rendered(run)
    assert drift(pod_shapes.shapes(config), registered) == []
    # Every pod group the stack runs has its pods there (the restore only with restoreFrom).
    assert {w.group for w in workloads.enabled(config)} - set(registered) <= {"postgresql-restore"}


def test_a_name_missing_from_a_pass_pod_is_found() -> None:
    config, run = _case("dev")
    computed = pod_shapes.shapes(config)
    backend = computed["backend"]
    (container,) = backend.containers
    computed["backend"] = dataclasses.replace(
        backend, containers=(dataclasses.replace(container, env=container.env - {"KEYCLOAK_URL"}),)
    )
    computed["kafka"] = dataclasses.replace(computed["kafka"], annotations=frozenset())
    assert drift(computed, rendered(run)) == [
        "backend backend env: ['KEYCLOAK_URL']",
        "kafka annotations: ['checksum/config']",
    ]
    del computed["web-client"]
    assert "web-client: only registered" in drift(computed, rendered(run))


def test_every_pod_group_of_the_registry_has_a_builder() -> None:
    assert set(pod_shapes.BUILDERS) == {w.group for w in workloads.WORKLOADS}


def test_a_pod_group_without_a_builder_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = _case("dev")
    monkeypatch.delitem(pod_shapes.BUILDERS, "kafka-topics")
    with pytest.raises(LookupError, match="'kafka-topics' has no pod builder"):
        pod_shapes.pods(config)
