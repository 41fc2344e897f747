"""`studio.eventIngestion.enabled: false`: no ingestion, and no Kafka when nothing else uses it."""

from __future__ import annotations

from typing import Any

from components.capacity import deployment_pods
from components.network_flows import flows
from components.requirements import EVENTS_DLQ_TOPIC, EVENTS_TOPIC, requirements
from config import validate
from tests.harness import containers, env_of, manifests, run_stack

EMBEDDED = ("studio.version=1.17.0-latest", "modelService.architecture=embedded")
OFF = "studio.eventIngestion.enabled=false"


def _kinds_named(run: Any, word: str) -> list[str]:
    return sorted(
        f"{m['kind']}/{m['metadata']['name']}"
        for m in manifests(run)
        if word in m["metadata"]["name"] or word in m["metadata"].get("labels", {}).get("app.kubernetes.io/name", "")
    )


def test_embedded_without_ingestion_deploys_no_kafka_at_all() -> None:
    on = run_stack("dev", *EMBEDDED)
    off = run_stack("dev", *EMBEDDED, OFF)
    assert _kinds_named(on, "event-ingestion") and _kinds_named(on, "kafka")
    assert _kinds_named(off, "event-ingestion") == []
    assert _kinds_named(off, "kafka") == []
    # Nothing left points at a broker.
    for obj in manifests(off):
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            for c in containers(obj):
                assert not [n for n in env_of(c) if n.startswith("KAFKA_")], obj["metadata"]["name"]


def test_flows_and_capacity_follow() -> None:
    base: dict[str, Any] = {
        "environment": "dev",
        "studio": {"host": "studio.example.com", "version": "1.17.0-latest", "eventIngestion": {"enabled": False}},
        "modelService": {"architecture": "embedded"},
    }
    config, problems = validate(base)
    assert config is not None, problems
    peers = {p for f in flows(config) for p in (f.source, f.destination)}
    assert "event-ingestion" not in peers and "kafka" not in peers
    assert {p.name for p in deployment_pods(config) if p.instances} == {
        "web-client",
        "backend",
        "keycloak",
        "postgresql",
        "minio",
        "embedded model service",
    }
    assert requirements(config).topics == ()

    with_ingestion, _ = validate({**base, "studio": {**base["studio"], "eventIngestion": {"enabled": True}}})
    assert with_ingestion is not None
    peers = {p for f in flows(with_ingestion) for p in (f.source, f.destination)}
    assert {"event-ingestion", "kafka"} <= peers


def test_orchestrated_keeps_kafka_without_the_events_topics() -> None:
    run = run_stack("dev", OFF)
    assert _kinds_named(run, "event-ingestion") == []
    (topics_job,) = [
        m for m in manifests(run) if m["kind"] == "Job" and m["metadata"]["name"].startswith("kafka-topics")
    ]
    topics = env_of(containers(topics_job)[0])["KAFKA_TOPICS"]["value"].split()
    assert EVENTS_TOPIC not in topics and EVENTS_DLQ_TOPIC not in topics
    assert "training-job" in topics


def test_msk_is_not_required_to_be_described_when_unused() -> None:
    raw: dict[str, Any] = {
        "environment": "dev",
        "studio": {"host": "studio.example.com", "version": "1.17.0-latest", "eventIngestion": {"enabled": False}},
        "modelService": {"architecture": "embedded"},
        "kafka": {"mode": "msk"},
    }
    config, problems = validate(raw)
    assert config is not None and problems == []
    # With ingestion on, MSK needs the AWS facts again.
    raw["studio"]["eventIngestion"]["enabled"] = True
    config, problems = validate(raw)
    assert config is None and any(p.startswith("rasa-studio:aws: ") for p in problems), problems
