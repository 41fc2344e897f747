"""The `capacity` output covers every pod of the deployment at peak (components/capacity.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components import preflight
from components.capacity import SCOPE, deployment_capacity, deployment_pods
from config import sizing as sz
from config import validate
from config.base import ResourceList, Resources
from config.defaults import merge
from tests.harness import containers, manifests, run_stack, stack_input

AWS = {
    "region": "eu-central-1",
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "clientSecurityGroupIds": ["sg-0a1b2c3d4e5f60718"],
    "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
}
# dev: Kafka (1 broker), PostgreSQL and MinIO in the cluster; the smallest orchestrated model service.
SMALL: dict[str, Any] = {
    "environment": "dev",
    "studio": {"host": "studio.example.com", "version": "1.7.0"},
    "modelService": {"assistants": 1, "parallelTrainings": 1, "nodeSize": {"cpu": "4", "memory": "16Gi"}},
}
MI = 2**20


def config(**changes: Any) -> Any:
    loaded, problems = validate(merge(SMALL, changes))
    assert loaded is not None, problems
    return loaded


def test_small_config_by_hand() -> None:
    capacity = deployment_capacity(config())
    # Studio (https://rasa.com/docs/studio/installation/installation-guides/resource-requirements, studio_app/defaults.py), one replica each:
    #   web client 50m/64Mi (limits 200m/128Mi), backend and Keycloak 1000m/2000Mi (2000m/2000Mi),
    #   event ingestion 500m/1000Mi (1000m/1000Mi)        -> 4 pods, 2550m/5064Mi, limits 5200m/5128Mi
    # Backing: Kafka broker 500m/1Gi (2/2Gi), PostgreSQL 250m/512Mi (1/1Gi), MinIO 100m/256Mi (1/1Gi)
    #                                                     -> 3 pods, 850m/1792Mi, limits 4000m/4096Mi
    # Model services (test_sizing): 2 orchestrators, proxy, 1 + 2 consumers, 1 + 2 Jobs
    #                                                     -> 9 pods, 3850m/4928Mi, limits 11250m/11392Mi
    # The migration Job and the backing services' one-shot Jobs are not counted.
    assert capacity.scope == SCOPE
    assert capacity.pods == 4 + 3 + 9
    assert capacity.requests == sz.Demand(2550 + 850 + 3850, (5064 + 1792 + 4928) * MI)
    assert capacity.limits == sz.Demand(5200 + 4000 + 11250, (5128 + 4096 + 11392) * MI)
    # 7250m on 4-CPU nodes: 2 nodes (11784Mi would fit one 16Gi node).
    assert capacity.nodes == 2
    assert capacity.as_dict()["requestsByPart"] == {
        "studio": {"pods": 4, "cpu": "2550m", "memory": "5064Mi"},
        "backingServices": {"pods": 3, "cpu": "850m", "memory": "1792Mi"},
        "modelServices": {"pods": 9, "cpu": "3850m", "memory": "4928Mi"},
    }


def test_raising_the_backend_requests_raises_the_total_by_exactly_that() -> None:
    base = deployment_capacity(config())
    raised = deployment_capacity(
        config(studio={"backend": {"replicas": 2, "resources": {"requests": {"cpu": "1500m"}}}})
    )
    # Two backend pods of 1500m instead of one of 1000m; its memory default stays 2000Mi.
    assert raised.requests.cpu - base.requests.cpu == 2 * 1500 - 1000
    assert raised.requests.memory - base.requests.memory == 2000 * MI
    assert raised.pods - base.pods == 1


def test_each_kafka_broker_adds_one_broker_pod() -> None:
    one = deployment_capacity(config())
    three = deployment_capacity(config(kafka={"mode": "in-cluster", "brokers": 3}))
    assert three.pods - one.pods == 2
    assert (three.requests.cpu - one.requests.cpu, three.requests.memory - one.requests.memory) == (
        2 * 500,
        2 * 1024 * MI,
    )
    assert (three.limits.cpu - one.limits.cpu, three.limits.memory - one.limits.memory) == (2 * 2000, 2 * 2048 * MI)


def test_aws_managed_backing_services_add_no_pods() -> None:
    managed = config(kafka={"mode": "msk"}, database={"mode": "rds"}, objectStorage={"mode": "s3"}, aws=AWS)
    names = {pod.name for pod in deployment_pods(managed)}
    assert not names & {"kafka", "postgresql", "minio"}
    assert "backingServices" not in {part.name for part in deployment_capacity(managed).parts}
    in_cluster = deployment_capacity(config())
    assert in_cluster.pods - deployment_capacity(managed).pods == 3


def test_autoscaled_backend_counts_its_max_replicas() -> None:
    scaled = config(studio={"backend": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5}}})
    (backend,) = [pod for pod in deployment_pods(scaled) if pod.name == "backend"]
    assert backend.instances == 5
    assert deployment_capacity(scaled).requests.cpu - deployment_capacity(config()).requests.cpu == 4 * 1000


def test_a_pod_larger_than_a_node_is_named() -> None:
    huge = config(studio={"keycloak": {"resources": {"requests": {"cpu": "6"}, "limits": {"cpu": "6"}}}})
    assert [p.split(": ")[0] for p in preflight.problems(huge)] == ["rasa-studio:studio.keycloak.resources.requests"]
    assert preflight.problems(config()) == []


@settings(max_examples=40, deadline=None)
@given(
    brokers=st.integers(min_value=1, max_value=5),
    replicas=st.integers(min_value=1, max_value=4),
    autoscale=st.booleans(),
    assistants=st.integers(min_value=1, max_value=6),
    trainings=st.integers(min_value=1, max_value=4),
    # Up to the backend's default CPU limit (2000m): a request above it is refused (components/preflight.py).
    backend_cpu=st.integers(min_value=1, max_value=2000),
)
def test_the_total_is_the_sum_of_the_listed_pods(
    brokers: int, replicas: int, autoscale: bool, assistants: int, trainings: int, backend_cpu: int
) -> None:
    loaded = config(
        kafka={"mode": "in-cluster", "brokers": brokers},
        studio={
            "webClient": {"replicas": replicas},
            "backend": {
                "resources": {"requests": {"cpu": f"{backend_cpu}m"}},
                "autoscaling": {"enabled": autoscale, "maxReplicas": replicas + 1},
            },
        },
        modelService={"assistants": assistants, "parallelTrainings": trainings},
    )
    pods = deployment_pods(loaded)
    capacity = deployment_capacity(loaded)
    requests, limits = sz.Demand(), sz.Demand()
    for pod in pods:
        requests += pod.shape.requests * pod.instances
        limits += pod.shape.limits * pod.instances
    assert (capacity.requests, capacity.limits) == (requests, limits)
    assert capacity.pods == sum(pod.instances for pod in pods)
    assert sum(part.pods for part in capacity.parts) == capacity.pods
    assert sum((part.requests for part in capacity.parts), sz.Demand()) == capacity.requests


def test_the_merge_keeps_unset_values_and_takes_every_set_one() -> None:
    defaults = Resources(requests=ResourceList(cpu="100m", memory="128Mi"), limits=ResourceList(cpu="1", memory="1Gi"))
    override = Resources(requests=ResourceList(memory="256Mi"), limits=ResourceList(cpu="2"))
    assert sz.merge_resources(defaults, override) == Resources(
        requests=ResourceList(cpu="100m", memory="256Mi"), limits=ResourceList(cpu="2", memory="1Gi")
    )
    assert sz.merge_resources(defaults) == defaults
    assert sz.resource_shape(defaults, override) == sz.PodShape(sz.Demand(100, 256 * MI), sz.Demand(2000, 2**30))


def _rendered_requests(stack: str, *sets: str) -> sz.Demand:
    """Requests of every long-running pod as rendered: Deployments and StatefulSets x replicas
    (an autoscaled Deployment at its HorizontalPodAutoscaler's maxReplicas)."""
    objects = manifests(run_stack(stack, *sets))
    most = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["maxReplicas"]
        for hpa in objects
        if hpa["kind"] == "HorizontalPodAutoscaler"
    }
    total = sz.Demand()
    for obj in objects:
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue
        replicas = obj["spec"].get("replicas", most.get(obj["metadata"]["name"]))
        for c in containers(obj):
            if c in obj["spec"]["template"]["spec"].get("initContainers", []):
                continue
            req = c["resources"]["requests"]
            total += sz.Demand(sz.cpu_millis(req["cpu"]), sz.memory_bytes(req["memory"])) * replicas
    return total


@pytest.mark.parametrize(
    "sets",
    [
        (),
        (
            "kafka.brokers=3",
            "studio.backend.resources.requests.cpu=1500m",
            "studio.backend.autoscaling.enabled=true",
            "studio.backend.autoscaling.maxReplicas=4",
        ),
    ],
)
def test_capacity_matches_the_rendered_pods(sets: tuple[str, ...]) -> None:
    # What the output counts is what the program deploys: rendered long-running pods plus the
    # model-service Jobs the consumers start at peak (those are not in the manifests).
    run = run_stack("dev", *sets)
    capacity = run.outputs["capacity"]
    assert capacity["scope"] == SCOPE
    jobs = [pod for pod in sz.model_service_pods(_loaded(*sets).model_service) if pod[0].endswith("Job")]
    job_requests = sum((shape.requests * count for _, shape, count in jobs), sz.Demand())
    rendered = _rendered_requests("dev", *sets) + job_requests
    assert sz.Demand(sz.cpu_millis(capacity["requests"]["cpu"]), sz.memory_bytes(capacity["requests"]["memory"])) == (
        rendered
    )


def _loaded(*sets: str) -> Any:
    loaded, problems = validate(stack_input("dev", *sets).plain)
    assert loaded is not None, problems
    return loaded
