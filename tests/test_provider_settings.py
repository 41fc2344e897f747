"""The Kubernetes provider's behaviour is set by the stack, never by the shell that runs `pulumi up`."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from config import ConfigError, validate
from tests.harness import SECRETS, run_config, run_stack, stack_input
from tools import program
from tools.mocks import Registration
from tools.program import ProgramRun

# What every stack sends, whatever the environment: pulumi-kubernetes reads config values as the
# strings "true"/"false" (provider/pkg/provider/provider.go Configure).
EVERYWHERE = {
    "enableServerSideApply": "true",
    "enableConfigMapMutable": "true",
    "enableSecretMutable": "true",
    "enablePatchForce": "false",
    "skipUpdateUnreachable": "false",
    "upsertExistingObjects": "false",
}


def provider(run: ProgramRun) -> Registration:
    (found,) = run.by_type("pulumi:providers:kubernetes")
    return found


@pytest.mark.parametrize(("stack", "delete_unreachable"), [("dev", "true"), ("staging", "false"), ("prod", "false")])
def test_every_behaviour_flag_is_explicit(stack: str, delete_unreachable: str) -> None:
    inputs = provider(run_stack(stack)).inputs
    assert {k: inputs.get(k) for k in EVERYWHERE} == EVERYWHERE
    # Dev's kind cluster is thrown away, often before `pulumi destroy`; elsewhere the stack must not
    # forget what a cluster runs because its API server did not answer once.
    assert inputs["deleteUnreachable"] == delete_unreachable


STRAY = {
    "PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE": "false",
    "PULUMI_K8S_ENABLE_SECRET_MUTABLE": "false",
    "PULUMI_K8S_UPSERT_EXISTING_OBJECTS": "true",
    "PULUMI_K8S_ENABLE_PATCH_FORCE": "true",
    "PULUMI_K8S_DELETE_UNREACHABLE": "true",
    "PULUMI_K8S_SKIP_UPDATE_UNREACHABLE": "true",
}


def test_the_sdk_takes_unset_flags_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the flags are explicit: left unset, pulumi_kubernetes fills them from the environment."""
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    args = k8s.ProviderArgs()
    assert (args.enable_config_map_mutable, args.upsert_existing_objects) == (False, True)


def test_a_stray_environment_variable_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KUBECONFIG", "/tmp/someone-elses-kubeconfig")
    given = stack_input("prod")
    # A fresh run: the cached ones ran without these variables.
    inputs = provider(program.run("prod", given.plain, {**SECRETS, **given.secrets})).inputs
    assert {k: inputs.get(k) for k in EVERYWHERE} == EVERYWHERE
    assert inputs["deleteUnreachable"] == "false"


def _dev(**kubernetes: Any) -> dict[str, Any]:
    plain = stack_input("dev").plain
    return {**plain, "kubernetes": {**plain.get("kubernetes", {}), **kubernetes}}


def test_the_kubeconfig_secret_reaches_the_provider_as_a_secret() -> None:
    run = run_config("dev", _dev(), {**SECRETS, "kubeconfig": "apiVersion: v1\nkind: Config\n"})
    kubeconfig = provider(run).inputs["kubeconfig"]
    # The mocks hand secret inputs over wrapped in Pulumi's secret signature.
    assert isinstance(kubeconfig, dict) and kubeconfig["value"].startswith("apiVersion: v1"), kubeconfig


def test_stack_keys_set_the_kubeconfig_path_and_the_configurable_flags() -> None:
    run = run_config("dev", _dev(kubeconfig="~/.kube/kind", patchForce=True, deleteUnreachable=False))
    inputs = provider(run).inputs
    assert (inputs["kubeconfig"], inputs["enablePatchForce"], inputs["deleteUnreachable"]) == (
        "~/.kube/kind",
        "true",
        "false",
    )


def test_kubeconfig_contents_in_plain_config_are_refused() -> None:
    config, problems = validate(_dev(kubeconfig="apiVersion: v1\nclusters: []\n"))
    assert config is None
    assert any(p.startswith("rasa-studio:kubernetes.kubeconfig: ") and "--secret kubeconfig" in p for p in problems)


def test_kubeconfig_given_twice_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        run_config("dev", _dev(kubeconfig="~/.kube/kind"), {**SECRETS, "kubeconfig": "apiVersion: v1\n"})
    assert any(p.startswith("rasa-studio:kubeconfig: set either") for p in info.value.problems), info.value.problems
