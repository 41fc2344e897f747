"""The model services as rendered by the whole program (orchestrated and embedded)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi_kubernetes.core import v1 as core

from components.context import Context
from components.interfaces import Database, Kafka, ObjectStorage, SecretRef
from components.model_service import ModelServices
from components.model_service.access import job_rules
from components.model_service.env import storage_env
from config import validate
from tests.harness import containers, env_of, find, manifests, run_stack

EMBEDDED = ("studio.version=1.17.0-latest", "modelService.architecture=embedded")


def replicas(run: Any, name: str) -> int:
    return int(find(run, "StatefulSet", name)["spec"]["replicas"])


def test_four_assistants_three_parallel_trainings() -> None:
    run = run_stack("dev", "modelService.assistants=4", "modelService.parallelTrainings=3")
    assert replicas(run, "model-training-service-consumer") == 3
    assert replicas(run, "model-running-service-consumer") == 5
    assert run.outputs["sizing"] == {"trainingConsumers": 3, "runningConsumers": 5}


def test_frequent_training_doubles_the_running_consumers() -> None:
    run = run_stack(
        "dev", "modelService.assistants=4", "modelService.parallelTrainings=3", "modelService.frequentTraining=true"
    )
    assert replicas(run, "model-training-service-consumer") == 3
    assert replicas(run, "model-running-service-consumer") == 8


def test_consumers_with_several_replicas_get_a_disruption_budget() -> None:
    run = run_stack("dev", "modelService.assistants=4")
    assert find(run, "PodDisruptionBudget", "model-running-service-consumer")["spec"]["maxUnavailable"] == 1


def test_orchestrators_and_their_services() -> None:
    run = run_stack("dev")
    for deployment, service, port, component in (
        ("model-training-service-orchestrator", "model-training-service", 8000, "model-training-orchestrator"),
        ("model-running-service-orchestrator", "model-running-service", 8001, "model-running-orchestrator"),
    ):
        obj = find(run, "Deployment", deployment)
        assert obj["metadata"]["labels"]["app.kubernetes.io/component"] == component
        (c,) = containers(obj)
        assert c["ports"] == [{"containerPort": port, "name": "http", "protocol": "TCP"}]
        assert c["readinessProbe"]["httpGet"] == {"path": "/", "port": port}
        assert c["livenessProbe"]["httpGet"] == {"path": "/", "port": port}
        # As the chart runs them: the side's RBAC-bound account with its token, RUNS_IN_CLUSTER=true
        # (rasa-helm-charts@f7ef5c9 charts/studio/templates/model-service/*/deployment.yaml).
        assert obj["spec"]["template"]["spec"]["automountServiceAccountToken"] is True
        assert obj["spec"]["template"]["spec"]["serviceAccountName"] == service
        assert env_of(c)["RUNS_IN_CLUSTER"]["value"] == "true"
        svc = find(run, "Service", service)
        assert svc["spec"]["ports"][0]["port"] == port
        assert svc["spec"]["selector"] == obj["spec"]["selector"]["matchLabels"]


def test_shared_and_orchestrator_env() -> None:
    run = run_stack("dev")
    env = env_of(containers(find(run, "Deployment", "model-training-service-orchestrator"))[0])
    for name, value in {
        "KUBERNETES_NAMESPACE": "rasa-studio",
        "RUNS_IN_CLUSTER": "true",
        "AUTHENTICATION_ENDPOINT_ENABLED": "false",
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "STORAGE_TYPE": "aws_s3",
        "PERSISTOR_BACKEND": "postgres",
        "POSTGRES_DATABASE": "modelservice",
        "POSTGRES_PORT": "5432",
        "TRAINING_JOB_TOPIC": "training-job",
        "TRAINING_RESULT_TOPIC": "training-result",
        "KAFKA_TRAINING_STATUS_UPDATE_TOPIC": "training-status-update",
        "TRAINING_RESULT_CONSUMER_GROUP_ID": "training-result-consumer-group",
    }.items():
        assert env[name]["value"] == value, name
    assert env["RASA_PRO_LICENSE"]["valueFrom"]["secretKeyRef"] == {
        "name": "studio-secrets",
        "key": "RASA_PRO_LICENSE_SECRET_KEY",
    }
    assert "secretKeyRef" in env["KAFKA_SASL_PASSWORD"]["valueFrom"]
    assert "secretKeyRef" in env["POSTGRES_PASSWORD"]["valueFrom"]
    # No secret is ever a literal value.
    for name in (
        "RASA_PRO_LICENSE",
        "KAFKA_SASL_PASSWORD",
        "POSTGRES_PASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert "value" not in env[name], name
    running = env_of(containers(find(run, "Deployment", "model-running-service-orchestrator"))[0])
    assert running["DEPLOYMENT_STORAGE_BUCKET"]["value"] == running["TRAINING_STORAGE_BUCKET"]["value"]
    assert running["DEPLOYMENT_JOB_TOPIC"]["value"] == "deployment-job"
    assert running["DEPLOYMENT_RESULT_CONSUMER_GROUP_ID"]["value"] == "deployment-result-consumer-group"


def test_consumer_env_tells_the_jobs_what_they_need() -> None:
    run = run_stack("dev", "modelService.job.debugLogs=true")
    training = find(run, "StatefulSet", "model-training-service-consumer")
    env = env_of(containers(training)[0])
    assert (
        env["ORCHESTRATOR_HTTP_API_URL"]["value"] == "http://model-training-service.rasa-studio.svc.cluster.local:8000"
    )
    assert env["KUBERNETES_DATA_PVC"]["value"] == "model-training-service-data-pvc-rasa-studio"
    assert env["KUBERNETES_BASE_TRAINING_DATA_PATH"]["value"] == "/home"
    assert env["KUBERNETES_JOB_BOT_CONFIG_MOUNT"]["value"] == "/app"
    assert (
        env["DOCKER_IMAGE_TAG"]["value"] == "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro:3.10.4-latest"
    )
    assert [
        env[n]["value"] for n in ("RASA_REQUESTS_CPU", "RASA_REQUESTS_MEMORY", "RASA_LIMITS_CPU", "RASA_LIMITS_MEMORY")
    ] == ["1000m", "1Gi", "2500m", "2.5Gi"]
    assert env["RASA_DEBUG_LOGS"]["value"] == "true"
    assert env["RASA_PRO_LICENSE_SECRET_NAME"]["value"] == "studio-secrets"
    assert env["RASA_PRO_LICENSE_SECRET_KEY"]["value"] == "RASA_PRO_LICENSE_SECRET_KEY"
    assert env["OPENAI_API_KEY_SECRET_NAME"]["value"] == "studio-secrets"
    assert env["OPENAI_API_KEY_SECRET_KEY"]["value"] == "OPENAI_API_KEY_SECRET_KEY"
    assert env["KAFKA_JOB_TOPIC"]["value"] == "training-job"
    assert env["MODEL_TRAINING_KAFKA_CONSUMER_ID"]["value"] == "training-result-consumer-group"
    pod = training["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is True
    assert pod["serviceAccountName"] == "model-training-service"
    assert {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "model-training-service-data-pvc-rasa-studio"},
    } in pod["volumes"]

    running = env_of(containers(find(run, "StatefulSet", "model-running-service-consumer"))[0])
    assert running["BASE_DOMAIN"]["value"] == "http://studio.localhost"
    assert running["BOT_TALK_SUB_PATH"]["value"] == "talk"
    assert running["KUBERNETES_BASE_BOT_DATA_PATH"]["value"] == "/home"
    assert running["DEPLOYMENT_JOB_KAFKA_TOPIC"]["value"] == "deployment-job"
    assert running["KAFKA_DEPLOYMENT_RESULT_TOPIC"]["value"] == "deployment-result"
    assert {n: running[n]["value"] for n in running if n.startswith(("RASA_READINESS", "RASA_STARTUP"))} == {
        "RASA_READINESS_CHECK_INITIAL_DELAY_SECONDS": "10",
        "RASA_READINESS_CHECK_INTERVAL_IN_SECONDS": "5",
        "RASA_READINESS_FAILURE_THRESHOLD": "50",
        "RASA_STARTUP_CHECK_INITIAL_DELAY_SECONDS": "10",
        "RASA_STARTUP_CHECK_INTERVAL_IN_SECONDS": "5",
        "RASA_STARTUP_FAILURE_THRESHOLD": "50",
    }


def test_https_host_is_the_base_domain() -> None:
    run = run_stack("staging")
    env = env_of(containers(find(run, "StatefulSet", "model-running-service-consumer"))[0])
    assert env["BASE_DOMAIN"]["value"] == "https://studio.staging.example.com"


@pytest.mark.parametrize(
    ("account", "resources"),
    [
        (
            "model-training-service",
            {"": {"pods", "pods/log", "pods/status", "events"}, "batch": {"jobs", "jobs/status"}},
        ),
        (
            "model-running-service",
            {"": {"pods", "pods/log", "pods/status", "events", "services"}, "batch": {"jobs", "jobs/status"}},
        ),
    ],
)
def test_rbac_is_a_namespaced_role_over_exactly_the_reference_resources(
    account: str, resources: dict[str, set[str]]
) -> None:
    run = run_stack("dev")
    assert not [m for m in manifests(run) if m["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    role = find(run, "Role", f"{account}-role")
    found: dict[str, set[str]] = {}
    for rule in role["rules"]:
        # The chart's `*`, spelled out: every verb the API serves for these resources.
        assert rule["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        for group in rule["apiGroups"]:
            found.setdefault(group, set()).update(rule["resources"])
    assert found == resources
    binding = find(run, "RoleBinding", f"{account}-role-binding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"{account}-role"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "rasa-studio"}]


def test_consumers_may_start_and_remove_jobs_but_not_exec() -> None:
    for kind in ("training", "running"):
        rules = {(g, r): v for g, rs, v in job_rules(kind) for r in rs}
        assert {"create", "delete", "watch"} <= set(rules[("batch", "jobs")])
        assert ("", "pods/exec") not in rules and ("", "secrets") not in rules


@pytest.mark.parametrize(
    ("stack", "mode", "storage_class"),
    [("dev", "ReadWriteOnce", None), ("staging", "ReadWriteMany", "efs-sc"), ("prod", "ReadWriteMany", "efs-sc")],
)
def test_shared_data_volume_is_read_write_many_when_the_cluster_has_a_class(
    stack: str, mode: str, storage_class: str | None
) -> None:
    run = run_stack(stack)
    for kind in ("training", "running"):
        claim = find(run, "PersistentVolumeClaim", f"model-{kind}-service-data-pvc-rasa-studio")
        assert claim["spec"]["accessModes"] == [mode]
        assert claim["spec"].get("storageClassName") == storage_class
        assert claim["spec"]["resources"]["requests"] == {"storage": "1Gi"}


def test_data_volumes_are_protected_in_prod_and_keep_identity() -> None:
    prod = run_stack("prod")
    claims = [r for r in prod.registrations if r.type == "kubernetes:core/v1:PersistentVolumeClaim"]
    assert claims and all(r.protect and r.retain_on_delete for r in claims)
    assert not any(
        r.protect for r in run_stack("dev").registrations if r.type == "kubernetes:core/v1:PersistentVolumeClaim"
    )
    # Replicas and versions never change a claim's identity.
    urns = lambda run: sorted(r.urn for r in run.registrations if r.type.endswith("PersistentVolumeClaim"))  # noqa: E731
    assert urns(run_stack("dev")) == urns(
        run_stack("dev", "modelService.assistants=7", "modelService.images.version=3.3.4")
    )


def test_talk_proxy_routes_bots_with_websockets() -> None:
    run = run_stack("dev")
    svc = find(run, "Service", "nginx-reverse-proxy")
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]
    deployment = find(run, "Deployment", "nginx-reverse-proxy")
    (c,) = containers(deployment)
    assert (
        c["image"]
        == "europe-west3-docker.pkg.dev/rasa-releases/model-training-and-running-services/nginx-unprivileged:1.27-alpine"
    )
    assert c["ports"][0]["containerPort"] == 8080
    assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": 8080}
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    # Its selector must not catch the running orchestrator's pods (same component label).
    orchestrator = find(run, "Deployment", "model-running-service-orchestrator")
    assert svc["spec"]["selector"] != orchestrator["spec"]["selector"]["matchLabels"]
    conf = find(run, "ConfigMap", "nginx-reverse-proxy")["data"]["nginx.conf"]
    assert "proxy_pass http://$site.rasa-studio.svc.cluster.local;" in conf
    assert "location ~ ^/talk/(?<site>[^/]+)/?" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and 'proxy_set_header Connection "Upgrade";' in conf
    for line in (
        "keepalive_timeout  300;",
        "proxy_read_timeout 300s;",
        "proxy_send_timeout 300s;",
        "resolver kube-dns.kube-system.svc.cluster.local",
    ):
        assert line in conf


def test_capacity_is_a_stack_output() -> None:
    run = run_stack("dev")
    capacity = run.outputs["capacity"]
    assert capacity["scope"] == "whole deployment at peak"
    # dev: 2 orchestrators, proxy, 1 training + 3 running consumers, 1 training + 3 running Jobs.
    assert capacity["requestsByPart"]["modelServices"]["pods"] == 2 + 1 + 1 + 3 + 1 + 3
    assert set(capacity) == {"scope", "pods", "requests", "limits", "nodeSize", "nodes", "requestsByPart"}


# --- embedded ------------------------------------------------------------------------------


def test_embedded_model_service() -> None:
    run = run_stack("dev", *EMBEDDED, "modelService.assistants=4", "modelService.parallelTrainings=2")
    # No consumers and no Job RBAC (the backing services keep their own StatefulSets).
    model_components = {
        "model-training-consumer",
        "model-running-consumer",
        "model-training-orchestrator",
        "model-running-orchestrator",
    }
    assert not [
        m
        for m in manifests(run)
        if m["kind"] in ("StatefulSet", "Role", "RoleBinding")
        and m["metadata"]["labels"].get("app.kubernetes.io/component") in model_components
    ]
    assert not [m for m in manifests(run) if m["kind"] in ("Role", "RoleBinding")]
    deployment = find(run, "Deployment", "rasapro")
    assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "model-service"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["fsGroup"] == 1001
    assert pod["serviceAccountName"] == "rasapro"
    (c,) = containers(deployment)
    assert c["command"] == ["python", "-m", "rasa.model_service"]
    assert c["image"] == "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro:3.16.2-latest"
    assert c["ports"] == [{"containerPort": 8000, "name": "http", "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/", "port": 8000}
    assert c["livenessProbe"]["initialDelaySeconds"] == 30
    assert c["volumeMounts"] == [{"mountPath": "/app/working-data", "name": "model-data"}]
    env = env_of(c)
    assert env["RASA_MODEL_SERVER_BASE_URL"]["value"] == "http://studio.localhost/talk"
    assert env["KEYCLOAK_URL"]["value"] == "http://studio-keycloak/auth"
    assert env["KEYCLOAK_REALM"]["value"] == "rasa-studio"
    assert env["RASA_REMOTE_STORAGE"]["value"] == "aws"
    assert env["MAX_PARALLEL_TRAININGS"]["value"] == "2"
    assert env["MAX_PARALLEL_BOT_RUNS"]["value"] == "5"
    assert env["RASA_PRO_LICENSE"]["valueFrom"]["secretKeyRef"] == {
        "name": "studio-secrets",
        "key": "RASA_PRO_LICENSE_SECRET_KEY",
    }
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "OPENAI_API_KEY_SECRET_KEY"
    for name in ("BUCKET_NAME", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        assert "value" in env[name]
    # 2 parallel trainings -> 2 CPU; 2Gi + 0.5Gi x 5 bot runs.
    assert c["resources"]["requests"] == {"cpu": "2", "memory": "4608Mi"}
    svc = find(run, "Service", "rasapro")
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]
    claim = find(run, "PersistentVolumeClaim", "rasa-pro-data-pvc-rasa-studio")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert run.outputs["sizing"] == {"maxParallelTrainings": 2, "maxParallelBotRuns": 5}


def test_embedded_needs_a_matching_studio_version() -> None:
    _, problems = validate(
        {
            "environment": "dev",
            "studio": {"host": "studio.example.com", "version": "1.7.0"},
            "modelService": {"architecture": "embedded"},
        }
    )
    assert any(p.startswith("rasa-studio:modelService.architecture: ") for p in problems)


# --- the storage interface decides credentials and ServiceAccount annotations ----------------

IRSA = ObjectStorage(
    bucket="studio-models",
    region="eu-central-1",
    endpoint=None,
    credentials_secret=None,
    service_account_annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/studio-models"},
)


def test_irsa_storage_gets_no_static_keys_and_no_endpoint() -> None:
    names = [e.name for e in storage_env(IRSA)]
    assert names == ["STORAGE_TYPE", "REGION_NAME"]


def test_keyed_storage_gets_keys_as_secret_refs_and_its_endpoint() -> None:
    keyed = ObjectStorage(
        bucket="b", region="us-east-1", endpoint="http://minio:9000", credentials_secret="minio-creds"
    )
    env = {e.name: e for e in storage_env(keyed)}
    source = env["AWS_ACCESS_KEY_ID"].value_from
    assert isinstance(source, core.EnvVarSourceArgs)
    assert isinstance(source.secret_key_ref, core.SecretKeySelectorArgs)
    assert source.secret_key_ref.name == "minio-creds"
    assert env["AWS_SECRET_ACCESS_KEY"].value is None
    assert env["AWS_ENDPOINT_URL"].value == "http://minio:9000"


def _context(*sets: dict[str, Any]) -> Context:
    raw: dict[str, Any] = {"environment": "dev", "studio": {"host": "studio.example.com", "version": "1.7.0"}}
    for s in sets:
        raw.update(s)
    config, problems = validate(raw)
    assert config is not None, problems
    return Context(config=config, namespace="rasa-studio", namespace_name="rasa-studio", instance="test")


def _services(ctx: Context) -> ModelServices:
    return ModelServices(
        "ms",
        ctx,
        kafka=Kafka(
            "kafka:9092", "SASL_SSL", "SCRAM-SHA-512", "studio", SecretRef("kafka", "password"), ca_secret="kafka-ca"
        ),
        database=Database("db", 5432, "studio", SecretRef("db", "password"), "", True),
        storage=IRSA,
        secret_name="studio-secrets",
        secret=core.Secret("ms-studio-secrets", metadata={"name": "studio-secrets"}),
    )


@pulumi.runtime.test
def test_service_accounts_carry_the_storage_annotations(mocks: Any) -> pulumi.Output[Any]:
    services = _services(_context())
    assert services.orchestrated is not None
    accounts = [
        services.orchestrated.training.access.service_account,
        services.orchestrated.running.access.service_account,
    ]

    def check(annotations: list[Any]) -> None:
        assert annotations == [IRSA.service_account_annotations] * 2

    return pulumi.Output.all(*[a.metadata.annotations for a in accounts]).apply(check)


@pulumi.runtime.test
def test_embedded_service_account_carries_the_storage_annotations(mocks: Any) -> pulumi.Output[Any]:
    ctx = _context(
        {"studio": {"host": "studio.example.com", "version": "1.17.0"}, "modelService": {"architecture": "embedded"}}
    )
    services = _services(ctx)
    assert services.embedded is not None

    def check(annotations: Any) -> None:
        assert annotations == IRSA.service_account_annotations

    return services.embedded.service_account.metadata.annotations.apply(check)


@pulumi.runtime.test
def test_private_kafka_ca_is_mounted_where_the_env_points(mocks: Any) -> pulumi.Output[Any]:
    services = _services(_context())
    assert services.orchestrated is not None
    template = services.orchestrated.training.consumers.stateful_set.spec.template

    def check(spec: Any) -> None:
        container = spec["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        assert env["KAFKA_SSL_CA_LOCATION"]["value"] == "/etc/ssl/kafka/ca.crt"
        assert env["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
        mounts = {m["name"]: (m["mount_path"], m.get("read_only")) for m in container["volume_mounts"]}
        assert mounts["kafka-ca"] == ("/etc/ssl/kafka", True)
        assert "AWS_ACCESS_KEY_ID" not in env

    return template.apply(check)
