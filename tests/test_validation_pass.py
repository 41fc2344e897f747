"""Every config rule runs before the first resource is registered: a failing rule leaves the engine empty."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError
from tests.harness import SECRETS, run_stack, stack_input
from tools import mocks, program

# One failing input per home of the rules: the models, the name of the stack, the resource rules
# on merged values (requests <= limits, fits one node, the Rasa Pro Jobs included), the pod
# settings checked together and against the names the program sets on each pod, the stored secrets.
CASES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "model": ("dev", ("modelService.assistants=0",), "modelService.assistants"),
    "stack name": ("prod", ("environment=staging",), "environment"),
    "merged requests above a default limit": (
        "dev",
        ("studio.backend.resources.requests.cpu=9",),
        "studio.backend.resources.requests.cpu",
    ),
    "a pod no node fits": ("dev", ("modelService.nodeSize.cpu=100m",), ""),
    "secret in plain text": ("dev", (), "rasaProLicense"),
    "pod settings together": ("dev", ("studio.webClient.extraVolumeMounts=[{name: x, mountPath: /tmp}]",), ""),
    # A pod setting naming what the program sets on that pod (components/pod_clash.py), on a
    # Studio pod, the model services' and the backing services'.
    "a variable the backend sets": (
        "dev",
        ("studio.backend.extraEnv=[{name: KEYCLOAK_URL, value: x}]",),
        "studio.backend.extraEnv",
    ),
    "a variable a consumer sets": (
        "dev",
        ("modelService.pods.trainingConsumer.extraEnv=[{name: KUBERNETES_NAMESPACE, value: x}]",),
        "modelService.pods.trainingConsumer.extraEnv",
    ),
    "a variable the embedded model service sets": (
        "dev",
        (
            "studio.version=1.17.0",
            "modelService.architecture=embedded",
            "modelService.pods.embedded.extraEnv=[{name: MAX_PARALLEL_TRAININGS, value: '1'}]",
        ),
        "modelService.pods.embedded.extraEnv",
    ),
    "a variable the assistant reads its tracker password from": (
        "dev",
        (
            "assistant.enabled=true",
            "assistant.assistantId=shop",
            "assistant.model.path=shop.tar.gz",
            "assistant.extraEnv=[{name: DB_PASSWORD, value: x}]",
        ),
        "assistant.extraEnv",
    ),
    "a volume the lock store mounts": (
        "dev",
        (
            "assistant.enabled=true",
            "assistant.assistantId=shop",
            "assistant.model.path=shop.tar.gz",
            "assistant.lockStore.mode=in-cluster",
            "assistant.lockStore.extraVolumes=[{name: data, emptyDir: {}}]",
        ),
        "assistant.lockStore.extraVolumes",
    ),
    "a volume Kafka mounts": ("dev", ("kafka.extraVolumes=[{name: static, emptyDir: {}}]",), "kafka.extraVolumes"),
    "a path PostgreSQL mounts": (
        "dev",
        (
            "database.extraVolumes=[{name: mine, emptyDir: {}}]",
            "database.extraVolumeMounts=[{name: mine, mountPath: /var/lib/postgresql/data}]",
        ),
        "database.extraVolumeMounts",
    ),
    "an annotation a consumer carries": (
        "dev",
        ("modelService.pods.trainingConsumer.podAnnotations={checksum/secrets: x}",),
        "modelService.pods.trainingConsumer.podAnnotations",
    ),
    "an annotation the IRSA role sets": (
        "staging",
        ("modelService.serviceAccount.annotations={eks.amazonaws.com/role-arn: x}",),
        "modelService.serviceAccount.annotations",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_failing_rule_registers_nothing(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stack, sets, key = CASES[case]
    monitors: list[mocks.RecordingMonitor] = []

    def recording(*args: Any, **kwargs: Any) -> mocks.RecordingMonitor:
        monitors.append(mocks.install(*args, **kwargs))
        return monitors[-1]

    monkeypatch.setattr(program, "install", recording)
    given = stack_input(stack, *sets)
    plain, secrets = given.plain, {**SECRETS, **given.secrets}
    if case == "secret in plain text":
        plain = {**plain, "rasaProLicense": secrets.pop("rasaProLicense")}
    with pytest.raises(ConfigError) as raised:
        program.run(stack, plain, secrets)
    assert any(p.startswith(f"rasa-studio:{key}") for p in raised.value.problems), raised.value.problems
    assert [r.type for r in monitors[0].registrations] == []


def test_a_valid_config_registers_resources() -> None:
    # The count above can see registrations: a run that passes every rule has them.
    assert len(run_stack("dev").registrations) > 50
