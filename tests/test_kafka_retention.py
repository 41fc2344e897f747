"""The in-cluster brokers keep a bounded amount of data: what the rendered topics can hold at most
fits the rendered volume, for dev and for any partition count the config allows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.backing import kafka_retention as kr
from config.sizing import memory_bytes
from tests.harness import containers, env_of, find, manifests, run_stack
from tools import program


def _properties(run: Any) -> dict[str, str]:
    text = find(run, "ConfigMap", "kafka-scripts")["data"]["server.properties"]
    return dict(line.split("=", 1) for line in text.splitlines())


def _topics_job(run: Any) -> dict[str, Any]:
    (job,) = [m for m in manifests(run) if m["kind"] == "Job" and m["metadata"]["name"].startswith("kafka-topics-")]
    return env_of(containers(job)[0])


@pytest.mark.parametrize("sets", [(), ("kafka.topics.partitions=12",)])
def test_what_the_dev_brokers_keep_fits_their_volume(sets: tuple[str, ...]) -> None:
    run = run_stack("dev", *sets)
    props = _properties(run)
    # Judged from the rendered objects: the broker's settings, the topics the Job creates, the claim.
    retention, segment = int(props["log.retention.bytes"]), int(props["log.segment.bytes"])
    assert int(props["log.retention.hours"]) == 168
    assert retention > 0 and segment > 0
    env = _topics_job(run)
    partitions = len(env["KAFKA_TOPICS"]["value"].split()) * int(env["KAFKA_PARTITIONS"]["value"])
    (claim,) = find(run, "StatefulSet", "kafka")["spec"]["volumeClaimTemplates"]
    volume = memory_bytes(claim["spec"]["resources"]["requests"]["storage"])
    assert partitions * (retention + 2 * segment) <= volume * kr.DATA_SHARE


@given(
    storage_gib=st.integers(1, 16384),
    topics=st.integers(1, 7),
    partitions=st.integers(1, 1000),
    replication=st.integers(1, 9),
    brokers=st.integers(1, 9),
)
def test_retention_is_bounded_or_refused(
    storage_gib: int, topics: int, partitions: int, replication: int, brokers: int
) -> None:
    storage = storage_gib * 2**30
    per_broker = kr.partitions_per_broker(topics, partitions, replication, brokers)
    try:
        bounded = kr.retention(storage, per_broker)
    except ValueError:
        assert storage * kr.DATA_SHARE / per_broker < kr.MIN_PARTITION_BUDGET
        return
    assert bounded.worst_case_bytes() <= storage * kr.DATA_SHARE
    assert bounded.retention_bytes > 0
    assert kr.MIN_SEGMENT <= bounded.segment_bytes <= kr.MAX_SEGMENT


def test_too_many_partitions_for_the_volume_are_refused_by_key() -> None:
    from tests.harness import stack_input

    plain = stack_input("dev", "kafka.topics.partitions=1000", "kafka.storageSize=10Gi").plain
    config, problems = program.check("dev", plain)
    assert config is None
    assert any(p.startswith("rasa-studio:kafka.storageSize: 10Gi is too small") for p in problems), problems
