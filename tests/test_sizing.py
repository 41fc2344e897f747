"""Replica sizing rules and peak capacity of the model services (config/sizing.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import sizing as sz
from config import validate
from config.defaults import merge
from tools import program

BASE: dict[str, Any] = {"environment": "dev", "studio": {"host": "studio.example.com", "version": "1.7.0"}}
counts = st.integers(min_value=1, max_value=200)


def model_service(studio: str = "1.7.0", **values: Any) -> Any:
    config, problems = validate(merge(BASE, {"studio": {"version": studio}, "modelService": values}))
    assert config is not None, problems
    return config.model_service


@given(counts)
def test_training_consumers_are_the_parallel_trainings(parallel: int) -> None:
    assert sz.sizing(1, parallel, False).training_consumers == parallel


@given(counts, st.booleans())
def test_a_newly_trained_model_always_finds_a_free_running_consumer(assistants: int, frequent: bool) -> None:
    running = sz.sizing(assistants, 1, frequent).running_consumers
    assert running >= assistants + 1
    if frequent:
        assert running >= assistants * 2


@given(counts)
def test_frequent_training_never_lowers_the_running_consumers(assistants: int) -> None:
    assert sz.running_consumers_needed(assistants, True) >= sz.running_consumers_needed(assistants, False)


@given(counts, counts, st.booleans(), st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_overrides_only_ever_raise_the_replicas(
    assistants: int, parallel: int, frequent: bool, extra_training: int, extra_running: int
) -> None:
    rule = sz.sizing(assistants, parallel, frequent)
    raised = sz.sizing(
        assistants,
        parallel,
        frequent,
        rule.training_consumers + extra_training,
        rule.running_consumers + extra_running,
    )
    assert raised.training_consumers == rule.training_consumers + extra_training
    assert raised.running_consumers == rule.running_consumers + extra_running


@given(counts, st.booleans(), st.integers(min_value=1, max_value=400))
def test_config_refuses_exactly_the_overrides_below_the_rule(assistants: int, frequent: bool, override: int) -> None:
    raw = merge(
        BASE, {"modelService": {"assistants": assistants, "frequentTraining": frequent, "runningConsumers": override}}
    )
    config, problems = validate(raw)
    needed = sz.running_consumers_needed(assistants, frequent)
    if override >= needed:
        assert config is not None and config.model_service.sizing.running_consumers == override
    else:
        assert config is None
        assert any(p.startswith("rasa-studio:modelService.runningConsumers: ") for p in problems), problems


def test_refused_running_override_explains_the_rule() -> None:
    _, problems = validate(merge(BASE, {"modelService": {"assistants": 4, "runningConsumers": 4}}))
    assert problems == [
        "rasa-studio:modelService.runningConsumers: 4 is below 5: each running consumer runs one assistant, "
        "so it must be >= assistants + 1 = 5, so a newly trained model always finds a free consumer"
    ]
    _, problems = validate(
        merge(BASE, {"modelService": {"assistants": 4, "frequentTraining": True, "runningConsumers": 5}})
    )
    assert len(problems) == 1 and "frequentTraining is true" in problems[0] and "assistants x 2 = 8" in problems[0]


def test_refused_training_override_explains_the_rule() -> None:
    _, problems = validate(merge(BASE, {"modelService": {"parallelTrainings": 3, "trainingConsumers": 2}}))
    assert len(problems) == 1
    assert problems[0].startswith("rasa-studio:modelService.trainingConsumers: 2 is below 3: ")
    assert "parallelTrainings (3)" in problems[0]


@pytest.mark.parametrize(
    ("quantity", "millis"), [("2500m", 2500), ("2", 2000), ("0.5", 500), ("1000m", 1000), ("1.5", 1500)]
)
def test_cpu_quantities(quantity: str, millis: int) -> None:
    assert sz.cpu_millis(quantity) == millis


@pytest.mark.parametrize(
    ("quantity", "size"), [("2.5Gi", 2560 * sz.MI), ("512Mi", 512 * sz.MI), ("1G", 10**9), ("16Gi", 16 * sz.GI)]
)
def test_memory_quantities(quantity: str, size: int) -> None:
    assert sz.memory_bytes(quantity) == size


@given(st.integers(min_value=1, max_value=10**6))
def test_formatted_cpu_reads_back_the_same(millis: int) -> None:
    assert sz.cpu_millis(sz.format_cpu(millis)) == millis


def test_capacity_of_the_smallest_orchestrated_config_by_hand() -> None:
    # 1 assistant, 1 parallel training: 1 training consumer, 2 running consumers.
    # Pods: 2 orchestrators + proxy + 1 + 2 consumers + 1 training Job + 2 running Jobs = 9.
    ms = model_service(assistants=1, parallelTrainings=1, nodeSize={"cpu": "2", "memory": "8Gi"})
    capacity = ms.capacity
    assert capacity.pods == 9
    # requests: orchestrators 2x250m/512Mi, proxy 50m/64Mi, consumers 3x100m/256Mi, Jobs 3x1000m/1Gi
    assert capacity.requests.as_dict() == {"cpu": "3850m", "memory": "4928Mi"}
    # limits: orchestrators 2x1/1Gi, proxy 250m/128Mi, consumers 3x500m/512Mi, Jobs 3x2500m/2.5Gi
    assert capacity.limits.as_dict() == {"cpu": "11250m", "memory": "11392Mi"}
    # 3850m of requests on 2-CPU nodes: 2 nodes (memory alone would fit on 1).
    assert capacity.nodes == 2


def test_capacity_counts_every_running_consumer_and_its_job() -> None:
    small = model_service(assistants=1).capacity
    bigger = model_service(assistants=2).capacity
    # One more assistant: one more running consumer (100m) and one more running Job (1000m).
    assert bigger.pods - small.pods == 2
    assert bigger.requests.cpu - small.requests.cpu == 1100


def test_embedded_capacity_follows_the_sizing_rule() -> None:
    ms = model_service(
        studio="1.17.0-latest",
        architecture="embedded",
        assistants=4,
        parallelTrainings=2,
        rasaPro={"tag": "3.16.2-latest"},
    )
    assert ms.embedded_limits == (2, 5)
    capacity = ms.capacity
    assert capacity.pods == 1
    # 2Gi base + 0.5Gi x 5 bot runs; 1 CPU per parallel training, +1 CPU limit headroom.
    assert capacity.requests.as_dict() == {"cpu": "2", "memory": "4608Mi"}
    assert capacity.limits.as_dict() == {"cpu": "3", "memory": "4608Mi"}


def test_embedded_capacity_counts_the_resources_override() -> None:
    # The Deployment gets the rule with `resources.embedded` on top; the capacity counts the same.
    ms = model_service(
        studio="1.17.0-latest",
        architecture="embedded",
        rasaPro={"tag": "3.16.2-latest"},
        resources={"embedded": {"requests": {"memory": "6Gi"}, "limits": {"memory": "6Gi"}}},
    )
    assert ms.capacity.requests.memory == 6 * sz.GI
    assert ms.capacity.requests.cpu == ms.embedded_shape.requests.cpu


def test_model_service_pod_that_fits_no_node_is_refused() -> None:
    # The resource rules run on the merged values, in the one pass after the models (components/preflight.py).
    _, problems = program.check("dev", merge(BASE, {"modelService": {"nodeSize": {"cpu": "500m", "memory": "8Gi"}}}))
    assert any(p.startswith("rasa-studio:modelService.job.resources.requests: ") for p in problems), problems


def test_job_requests_above_limits_are_refused() -> None:
    raw = merge(BASE, {"modelService": {"job": {"resources": {"requests": {"cpu": "3", "memory": "1Gi"}}}}})
    _, problems = program.check("dev", raw)
    assert any(p.startswith("rasa-studio:modelService.job.resources.requests.cpu: ") for p in problems), problems


def test_architecture_must_match_the_studio_version() -> None:
    _, problems = validate(merge(BASE, {"studio": {"version": "1.7.1"}, "modelService": {"architecture": "embedded"}}))
    assert any(p.startswith("rasa-studio:modelService.architecture: ") and "orchestrated" in p for p in problems)
    _, problems = validate(merge(BASE, {"studio": {"version": "1.10.0"}}))
    assert any(p.startswith("rasa-studio:modelService.architecture: ") and "embedded" in p for p in problems)
