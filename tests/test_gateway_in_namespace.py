"""A Gateway in Studio's namespace with the generic preset: reachable by construction, or refused."""

from __future__ import annotations

import re

import pytest

from tests.harness import stack_input
from tools import program

DEV_GATEWAY = "studio.gateway"


def _check(*sets: str) -> list[str]:
    config, problems = program.check("dev", stack_input("dev", *sets).plain)
    return [] if config is not None else problems


def test_envoy_gateways_class_with_the_generic_preset_is_refused_with_the_hint() -> None:
    # The docs' own create example with `controller` left at its default.
    problems = _check(f"{DEV_GATEWAY}.controller=generic")
    assert any(
        p.startswith(f"rasa-studio:{DEV_GATEWAY}.controller: ") and "set controller: envoy-gateway" in p
        for p in problems
    ), problems


def test_the_docs_create_example_names_its_controller() -> None:
    text = (program.ROOT / "docs" / "exposure.md").read_text()
    block = re.search(r"create: \{gatewayClassName: eg\}\n(.*)\n", text)
    assert block is not None and "controller: envoy-gateway" in block.group(1)


def test_proxies_in_the_namespace_need_their_control_plane_named() -> None:
    problems = _check(f"{DEV_GATEWAY}.controller=generic", f"{DEV_GATEWAY}.create.gatewayClassName=istio")
    assert any(
        p.startswith(f"rasa-studio:{DEV_GATEWAY}.controlPlaneNamespace: ") and "istio-system" in p for p in problems
    ), problems
    assert not _check(
        f"{DEV_GATEWAY}.controller=generic",
        f"{DEV_GATEWAY}.create.gatewayClassName=istio",
        f"{DEV_GATEWAY}.controlPlaneNamespace=istio-system",
    )


@pytest.mark.parametrize(
    "sets",
    [
        # Envoy Gateway's preset: the proxies are elsewhere.
        (f"{DEV_GATEWAY}.controlPlaneNamespace=istio-system",),
        # A Gateway in another namespace: its proxies are there, not behind Studio's policies.
        (
            f"{DEV_GATEWAY}.controller=generic",
            f"{DEV_GATEWAY}.create=null",
            f"{DEV_GATEWAY}.parentRef.namespace=gateways",
            f"{DEV_GATEWAY}.controlPlaneNamespace=istio-system",
        ),
    ],
)
def test_a_control_plane_namespace_that_does_nothing_is_refused(sets: tuple[str, ...]) -> None:
    problems = _check(*sets)
    assert any(f"{DEV_GATEWAY}.controlPlaneNamespace: takes effect only" in p for p in problems), problems


def test_an_entry_peer_of_the_whole_studio_namespace_is_refused() -> None:
    problems = _check("studio.entryPeer={namespace: rasa-studio}")
    assert any(p.startswith("rasa-studio:studio.entryPeer.podLabels: ") for p in problems), problems


def test_an_ingress_controller_in_the_namespace_gets_clients_and_the_api_server() -> None:
    from components.network_flows import ANYWHERE, INGRESS_CONTROLLER, KUBERNETES_API, Flow, flows

    plain = stack_input(
        "dev",
        "studio.exposure=ingress",
        "studio.gateway=null",
        "studio.entryPeer={namespace: rasa-studio, podLabels: {app.kubernetes.io/name: ingress-nginx}}",
    ).plain
    config, problems = program.check("dev", plain)
    assert config is not None, problems
    found = flows(config)
    assert {Flow(ANYWHERE, INGRESS_CONTROLLER, 80), Flow(ANYWHERE, INGRESS_CONTROLLER, 443)} <= set(found)
    assert Flow(INGRESS_CONTROLLER, KUBERNETES_API, 443) in found
    # A Gateway's proxies take their configuration from their controller instead.
    gateway = program.check(
        "dev",
        stack_input(
            "dev",
            f"{DEV_GATEWAY}.controller=generic",
            f"{DEV_GATEWAY}.create.gatewayClassName=istio",
            f"{DEV_GATEWAY}.controlPlaneNamespace=istio-system",
        ).plain,
    )[0]
    assert gateway is not None
    assert Flow(INGRESS_CONTROLLER, KUBERNETES_API, 443) not in flows(gateway)
