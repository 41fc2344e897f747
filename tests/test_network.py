"""NetworkPolicies: default deny, DNS for all, and exactly the flows of the architecture."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.network_flows import (
    INGRESS_CONTROLLER,
    KUBERNETES_API,
    OUTSIDE,
    RASA_JOBS,
    Flow,
    flows,
    pod_groups,
)
from config import validate
from config.defaults import merge
from policy.rules import ORCHESTRATED_API_CLIENTS
from tests.harness import STACKS, manifests, run_config, run_stack, stack_input
from tools import schema

EMBEDDED = {"studio": {"version": "1.17.0"}, "modelService": {"architecture": "embedded"}}
EXTERNAL = {
    "kafka": {
        "mode": "external",
        "brokers": ["kafka-1.example.com:9093", "kafka-2.example.com:9093"],
        "username": "studio",
        "passwordSecret": {"name": "kafka", "key": "password"},
    },
    "database": {
        "mode": "external",
        "host": "db.example.com",
        "port": 6432,
        "passwordSecret": {"name": "db", "key": "pw"},
    },
    "objectStorage": {"mode": "external", "bucket": "models", "endpoint": "https://storage.example.com:9443"},
}


# A backing section changed here replaces the stack file's: its keys belong to one mode only.
MODE_SECTIONS = ("kafka", "database", "objectStorage")


def with_changes(plain: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    base = {k: v for k, v in plain.items() if k not in MODE_SECTIONS or k not in changes}
    return merge(base, changes)


def config_of(stack: str, **changes: Any):
    config, problems = validate(with_changes(stack_input(stack).plain, changes))
    assert config is not None, problems
    return config


def policies(run) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests(run) if m["kind"] == "NetworkPolicy"}


def test_dev_flows_are_exactly_the_architecture() -> None:
    db, kafka, minio = ("postgresql", 5432), ("kafka", 9092), ("object-storage", 9000)
    model = (
        "model-training-orchestrator",
        "model-running-orchestrator",
        "model-training-consumer",
        "model-running-consumer",
    )
    expected = {
        (INGRESS_CONTROLLER, "web-client", 8080),
        (INGRESS_CONTROLLER, "backend", 4000),
        (INGRESS_CONTROLLER, "keycloak", 8080),
        # /talk reaches the nginx-reverse-proxy pods, which forward to the running bots.
        (INGRESS_CONTROLLER, "nginx-reverse-proxy", 8080),
        ("backend", *db),
        ("keycloak", *db),
        ("database-migration", *db),
        ("event-ingestion", *db),
        ("backend", "keycloak", 8080),
        ("event-ingestion", *kafka),
        ("backend", "model-training-orchestrator", 8000),
        ("backend", "model-running-orchestrator", 8001),
        ("model-training-orchestrator", *db),
        ("model-running-orchestrator", *db),
        *((m, *kafka) for m in (*model, RASA_JOBS)),
        *((m, *minio) for m in (*model, RASA_JOBS)),
        # The consumers start Jobs; the orchestrators run in-cluster with the same account.
        *((m, KUBERNETES_API, port) for m in model for port in (443, 6443)),
        ("model-training-consumer", "model-training-orchestrator", 8000),
        ("model-running-consumer", "model-running-orchestrator", 8001),
        ("model-running-consumer", RASA_JOBS, 5005),
        ("nginx-reverse-proxy", RASA_JOBS, 5005),
        (RASA_JOBS, OUTSIDE, 443),
        ("kafka", "kafka", None),
        # The setup Jobs are pod groups of their own.
        ("database-init", *db),
        ("kafka-topics", *kafka),
        ("minio-bucket", *minio),
    }
    assert {(f.source, f.destination, f.port) for f in flows(config_of("dev"))} == expected


def test_embedded_architecture_has_no_orchestrated_pods() -> None:
    found = flows(config_of("dev", **EMBEDDED))
    assert Flow(INGRESS_CONTROLLER, "model-service", 8000) in found
    assert Flow("backend", "model-service", 8000) in found
    assert not {"model-training-orchestrator", "model-running-consumer", RASA_JOBS} & set(pod_groups(found))
    # The embedded model service runs trainings as subprocesses: no Kubernetes API.
    assert not [f for f in found if f.destination == KUBERNETES_API]


def test_managed_backing_services_are_reached_outside_the_cluster() -> None:
    found = flows(config_of("prod"))
    assert {"postgresql", "object-storage"} & {f.destination for f in found} == set()
    assert Flow("backend", OUTSIDE, 5432) in found
    assert Flow("event-ingestion", OUTSIDE, 9096) in found
    assert Flow("model-training-consumer", OUTSIDE, 443) in found
    assert "object-storage" not in pod_groups(found)


def test_external_services_use_their_configured_ports() -> None:
    found = flows(config_of("dev", **EXTERNAL))
    assert Flow("backend", OUTSIDE, 6432) in found
    assert Flow("event-ingestion", OUTSIDE, 9093) in found
    assert Flow("model-running-orchestrator", OUTSIDE, 9443) in found


RUNS = {
    "dev": lambda: run_stack("dev"),
    "staging": lambda: run_stack("staging"),
    "prod": lambda: run_stack("prod"),
    "dev-embedded-external": lambda: run_config(
        "dev", with_changes(stack_input("dev").plain, {**EMBEDDED, **EXTERNAL})
    ),
}


@pytest.mark.parametrize("case", sorted(RUNS))
def test_a_default_deny_covers_every_pod(case: str) -> None:
    deny = policies(RUNS[case]())["rasa-studio-default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("case", sorted(RUNS))
def test_no_policy_admits_ingress_from_everywhere(case: str) -> None:
    for name, policy in policies(RUNS[case]()).items():
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{name} admits every source"
            assert all("ipBlock" not in peer for peer in rule["from"]), f"{name} admits addresses"
            assert all(peer.get("podSelector") or peer.get("namespaceSelector") for peer in rule["from"]), name


@pytest.mark.parametrize("case", sorted(RUNS))
def test_rendered_policies_are_schema_valid(case: str) -> None:
    for obj in policies(RUNS[case]()).values():
        assert schema.errors(obj, "1.30") == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_flow_is_open_at_both_ends(stack: str) -> None:
    rendered = policies(run_stack(stack))
    groups = set(pod_groups(flows(config_of(stack))))
    assert {n.removeprefix("rasa-studio-") for n in rendered} == groups | {"default-deny", "dns"}
    for flow in flows(config_of(stack)):
        if flow.source in groups:
            egress = rendered[f"rasa-studio-{flow.source}"]["spec"].get("egress", [])
            assert any(_allows(rule.get("ports"), flow) for rule in egress), flow
        if flow.destination in groups:
            ingress = rendered[f"rasa-studio-{flow.destination}"]["spec"].get("ingress", [])
            assert any(_allows(rule.get("ports"), flow) for rule in ingress), flow


def _allows(ports: list[dict[str, Any]] | None, flow: Flow) -> bool:
    return ports is None or any(p["port"] == flow.port for p in ports)


def test_every_pod_may_resolve_names() -> None:
    dns = policies(run_stack("dev"))["rasa-studio-dns"]["spec"]
    assert dns["podSelector"] == {}
    assert {(p["port"], p["protocol"]) for p in dns["egress"][0]["ports"]} == {(53, "UDP"), (53, "TCP")}
    assert dns["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kube-system"
    }


def test_ingress_controller_namespace_and_cidrs_come_from_config() -> None:
    plain = merge(
        stack_input("prod").plain,
        {
            "kubernetes": {
                "ingressControllerNamespace": "traefik",
                "egressCidrs": ["10.20.0.0/16"],
                "apiServerCidrs": ["10.20.0.10/32"],
            }
        },
    )
    rendered = policies(run_config("prod", plain))
    web = rendered["rasa-studio-web-client"]["spec"]["ingress"][0]["from"][0]
    assert web["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "traefik"}
    egress = rendered["rasa-studio-model-training-consumer"]["spec"]["egress"]
    blocks = {peer["ipBlock"]["cidr"] for rule in egress for peer in rule["to"] if "ipBlock" in peer}
    assert blocks == {"10.20.0.0/16", "10.20.0.10/32"}


MODES = {
    "kafka": [{"mode": "in-cluster"}, {"mode": "msk"}, EXTERNAL["kafka"]],
    "database": [{"mode": "in-cluster"}, {"mode": "rds"}, EXTERNAL["database"]],
    "objectStorage": [{"mode": "minio"}, {"mode": "s3"}, EXTERNAL["objectStorage"]],
}


@settings(max_examples=40, deadline=None)
@given(
    embedded=st.booleans(),
    kafka=st.sampled_from(MODES["kafka"]),
    database=st.sampled_from(MODES["database"]),
    storage=st.sampled_from(MODES["objectStorage"]),
)
def test_flows_for_any_modes_admit_nothing_from_outside(
    embedded: bool, kafka: dict, database: dict, storage: dict
) -> None:
    changes: dict[str, Any] = {"kafka": kafka, "database": database, "objectStorage": storage}
    if embedded:
        changes.update(EMBEDDED)
    config = config_of("staging", **changes)
    found = flows(config)
    groups = set(pod_groups(found))
    # Into the namespace only from its own pods or the ingress controller; never from addresses.
    assert {f.source for f in found} <= groups | {INGRESS_CONTROLLER}
    assert {f.destination for f in found if f.source == INGRESS_CONTROLLER} <= {
        "web-client",
        "backend",
        "keycloak",
        "nginx-reverse-proxy",
        "model-service",
    }
    # Only what is deployed in the cluster gets rules.
    assert ("object-storage" in groups) == (storage["mode"] == "minio")
    assert ("model-service" in groups) == embedded
    assert (RASA_JOBS in groups) == (not embedded)


def test_the_api_clients_of_the_flows_are_the_pods_allowed_a_token() -> None:
    found = flows(config_of("dev"))
    assert {f.source for f in found if f.destination == KUBERNETES_API} == ORCHESTRATED_API_CLIENTS


def test_assistant_namespaces_reach_in_cluster_kafka_and_nothing_else() -> None:
    kafka = {"mode": "in-cluster", "clientNamespaces": ["assistants"]}
    found = flows(config_of("dev", kafka=kafka))
    from_assistants = [f for f in found if f.source == "namespace:assistants"]
    assert from_assistants == [Flow("namespace:assistants", "kafka", 9092)]
    assert "namespace:assistants" not in pod_groups(found)
    rendered = policies(run_config("dev", with_changes(stack_input("dev").plain, {"kafka": kafka})))
    peers = [
        peer
        for policy in rendered.values()
        for rule in policy["spec"].get("ingress", [])
        for peer in rule.get("from", [])
        if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "assistants"
    ]
    assert len(peers) == 1
