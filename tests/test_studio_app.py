"""The Studio containers as the whole program renders them (RasaHQ/rasa-helm-charts charts/studio/templates/studio/ and secrets.yaml, chart 2.6.0)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from components.requirements import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from tests.harness import containers, env_of, find, manifests, run_config, run_stack, stack_input

REGISTRY = "europe-west3-docker.pkg.dev/rasa-releases/studio"
SECRET = "studio-secrets"
EMBEDDED = ("studio.version=1.17.0-latest", "modelService.architecture=embedded")

DB_ENV = ["DB_USER", "DB_PASS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_QUERY"]
KEYCLOAK_ADMIN_ENV = ["KEYCLOAK_ADMIN", "KEYCLOAK_ADMIN_USERNAME", "KEYCLOAK_ADMIN_PASSWORD"]
KC_DB_ENV = ["KC_DB_USERNAME", "KC_DB_PASSWORD", "KC_DB_URL"]


def secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    refs = {}
    for name, entry in env_of(container).items():
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            refs[name] = (ref["name"], ref["key"])
    return refs


def pod(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


def mounts(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in container.get("volumeMounts", [])}


def volumes(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in pod(obj).get("volumes", [])}


def the_job(run: Any) -> dict[str, Any]:
    jobs = [
        m
        for m in manifests(run)
        if m["kind"] == "Job" and m["metadata"]["name"].startswith("studio-database-migration-")
    ]
    assert len(jobs) == 1
    return jobs[0]


def registration(run: Any, kind: str, name: str) -> Any:
    found = [
        r for r in run.registrations if r.custom and r.state.get("kind") == kind and r.state["metadata"]["name"] == name
    ]
    assert len(found) == 1
    return found[0]


def assert_labels(obj: dict[str, Any], component: str) -> None:
    for labels in (obj["metadata"]["labels"], obj["spec"]["template"]["metadata"]["labels"]):
        assert labels["app.kubernetes.io/component"] == component
        assert labels["app.kubernetes.io/name"] == component


# --- web client -------------------------------------------------------------------------------


def test_web_client_serves_config_js_from_its_configmap_and_rolls_on_change() -> None:
    run = run_stack("dev")
    deployment = find(run, "Deployment", "studio-web-client")
    (web,) = containers(deployment)
    config = find(run, "ConfigMap", "studio-web-client-configmap")
    content = config["data"]["windowVariables"]

    assert web["image"] == f"{REGISTRY}/studio-web-client:1.7.0"
    assert web["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert web["livenessProbe"]["httpGet"] == {"path": "/", "port": 8080}
    assert web["readinessProbe"]["httpGet"] == {"path": "/", "port": 8080}
    assert "env" not in web
    assert mounts(web)["/usr/share/nginx/html/config.js"] == {
        "name": "config",
        "mountPath": "/usr/share/nginx/html/config.js",
        "subPath": "config.js",
        "readOnly": True,
    }
    assert volumes(deployment)["config"]["configMap"]["name"] == "studio-web-client-configmap"
    assert "emptyDir" in volumes(deployment)[mounts(web)["/tmp"]["name"]]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["checksum/config"] == hashlib.sha256(content.encode()).hexdigest()
    assert 'window.CURRENT_VERSION_NUMBER = "1.7.0";' in content
    assert 'window.API_ENDPOINT = "http://studio.localhost/api";' in content
    assert_labels(deployment, "web-client")

    service = find(run, "Service", "studio-web-client")
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]


def test_web_client_pods_roll_when_a_feature_flag_changes() -> None:
    before = find(run_stack("dev"), "Deployment", "studio-web-client")
    after = find(run_stack("dev", "studio.webClient.features.studioInspector=true"), "Deployment", "studio-web-client")
    content = find(
        run_stack("dev", "studio.webClient.features.studioInspector=true"), "ConfigMap", "studio-web-client-configmap"
    )
    assert 'window.STUDIO_INSPECTOR_ENABLED = "true";' in content["data"]["windowVariables"]
    checksum = lambda d: d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]  # noqa: E731
    assert checksum(before) != checksum(after)


def test_tls_makes_browser_urls_https() -> None:
    run = run_stack("staging")
    content = find(run, "ConfigMap", "studio-web-client-configmap")["data"]["windowVariables"]
    assert 'window.KEYCLOAK_URL = "https://studio.staging.example.com/auth";' in content
    env = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert env["WEB_CLIENT_URL"]["value"] == "https://studio.staging.example.com"
    embedded = env_of(containers(find(run_stack("staging", *EMBEDDED), "Deployment", "studio-backend"))[0])
    assert embedded["API_URL"]["value"] == "https://studio.staging.example.com/api"


# --- backend ----------------------------------------------------------------------------------

# Chart 1.2.6 (RasaHQ/rasa-helm-charts@f7ef5c9) templates/studio/backend/deployment.yaml and
# _env.tpl; the order is this program's, the names the chart's plus the three polling settings.
BACKEND_ENV_ORCHESTRATED = [
    *KEYCLOAK_ADMIN_ENV,
    "KEYCLOAK_URL",
    "WEB_CLIENT_URL",
    "KEYCLOAK_API_GRANT_TYPE",
    "MODEL_TRAINING_MOCK_ENABLED",
    "MODEL_RUNNING_MOCK_ENABLED",
    "MTS_API_URL",
    "MRS_API_URL",
    "DOCKER_IMAGE_TAG",
    "DATABASE_URL",
    "DELETE_CONVERSATIONS_OLDER_THAN_HOURS",
    "DELETE_CONVERSATIONS_CRON_EXPRESSION",
    "KEYCLOAK_REALM",
    "KEYCLOAK_API_CLIENT_ID",
    "KEYCLOAK_API_USERNAME",
    "KEYCLOAK_API_PASSWORD",
    "TRAINING_POLLING_INTERVAL_MS",
    "MODEL_POLLING_INTERVAL_MS",
    "MODEL_INACTIVE_AFTER_MS",
]
DATABASE_URL = ("studio-database-url", "DATABASE_URL")


def test_backend_container_contract_orchestrated() -> None:
    run = run_stack("dev")
    deployment = find(run, "Deployment", "studio-backend")
    (backend,) = containers(deployment)
    env = env_of(backend)

    assert backend["image"] == f"{REGISTRY}/studio-backend:1.7.0"
    assert list(env) == BACKEND_ENV_ORCHESTRATED
    assert secret_refs(backend) == {
        "DATABASE_URL": DATABASE_URL,
        "KEYCLOAK_ADMIN_PASSWORD": (SECRET, "KEYCLOAK_ADMIN_PASSWORD"),
        "KEYCLOAK_API_PASSWORD": (SECRET, "KEYCLOAK_API_PASSWORD"),
    }
    assert env["MTS_API_URL"]["value"] == "http://model-training-service.rasa-studio:8000"
    assert env["MRS_API_URL"]["value"] == "http://model-running-service.rasa-studio:8001"
    assert env["MODEL_TRAINING_MOCK_ENABLED"]["value"] == env["MODEL_RUNNING_MOCK_ENABLED"]["value"] == "false"
    assert env["KEYCLOAK_URL"]["value"] == "http://studio-keycloak/auth"
    assert env["KEYCLOAK_REALM"]["value"] == "rasa-studio"
    assert env["KEYCLOAK_API_CLIENT_ID"]["value"] == "admin-cli"
    assert env["KEYCLOAK_API_USERNAME"]["value"] == "realmadmin"
    assert env["KEYCLOAK_ADMIN"]["value"] == env["KEYCLOAK_ADMIN_USERNAME"]["value"] == "kcadmin"
    # The real port, not the chart's 80.
    assert backend["ports"] == [{"name": "http", "containerPort": 4000, "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert backend[probe] == {
            "httpGet": {"path": "/api/health", "port": 4000},
            "initialDelaySeconds": 15,
            "periodSeconds": 15,
            "timeoutSeconds": 5,
            "failureThreshold": 6,
        }
    # dev's small-footprint requests (Pulumi.dev.yaml) over the sizing table's limits.
    assert backend["resources"] == {
        "requests": {"cpu": "250m", "memory": "1Gi"},
        "limits": {"cpu": "2000m", "memory": "2000Mi"},
    }
    # No /tmp volume of its own: the chart has none, /tmp is part of the writable root.
    assert "/tmp" not in mounts(backend)
    assert pod(deployment)["imagePullSecrets"] == [{"name": "rasa-registry"}]
    assert deployment["spec"]["replicas"] == 1
    assert_labels(deployment, "backend")
    service = find(run, "Service", "studio-backend")
    assert service["spec"]["ports"][0]["port"] == 80 and service["spec"]["ports"][0]["targetPort"] == 4000


def test_backend_reaches_the_embedded_model_service() -> None:
    env = env_of(containers(find(run_stack("dev", *EMBEDDED), "Deployment", "studio-backend"))[0])
    assert env["MS_API_URL"]["value"] == "http://rasapro"
    assert not {"MTS_API_URL", "MRS_API_URL", "DOCKER_IMAGE_TAG", "DATABASE_URL"} & set(env)


def test_backend_retention_and_polling_come_from_config() -> None:
    run = run_stack(
        "dev",
        "studio.backend.conversationRetention.deleteOlderThanHours=720",
        "studio.backend.polling.modelInactiveAfterMs=7200000",
    )
    env = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert env["DELETE_CONVERSATIONS_OLDER_THAN_HOURS"]["value"] == "720"
    assert env["MODEL_INACTIVE_AFTER_MS"]["value"] == "7200000"


def test_backend_autoscaling_leaves_replicas_to_the_hpa() -> None:
    run = run_stack("dev", "studio.backend.autoscaling.enabled=true", "studio.backend.autoscaling.maxReplicas=4")
    assert "replicas" not in find(run, "Deployment", "studio-backend")["spec"]
    hpa = find(run, "HorizontalPodAutoscaler", "studio-backend")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "studio-backend"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 4)
    assert hpa["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 80}
    assert find(run, "PodDisruptionBudget", "studio-backend")["spec"]["maxUnavailable"] == 1


def test_no_hpa_without_autoscaling() -> None:
    assert not [m for m in manifests(run_stack("dev")) if m["kind"] == "HorizontalPodAutoscaler"]


def test_replicas_and_resources_are_overridable_per_component() -> None:
    run = run_stack("dev", "studio.keycloak.replicas=2", "studio.keycloak.resources.limits.memory=3Gi")
    keycloak = find(run, "Deployment", "studio-keycloak")
    assert keycloak["spec"]["replicas"] == 2
    assert containers(keycloak)[0]["resources"]["limits"] == {"cpu": "2000m", "memory": "3Gi"}
    assert (
        find(run, "PodDisruptionBudget", "studio-keycloak")["spec"]["selector"]["matchLabels"]
        == (keycloak["spec"]["selector"]["matchLabels"])
    )


def test_a_component_version_overrides_the_studio_tag_for_that_image_only() -> None:
    run = run_stack("dev", "studio.backend.version=1.7.2")
    assert containers(find(run, "Deployment", "studio-backend"))[0]["image"].endswith("/studio-backend:1.7.2")
    assert containers(find(run, "Deployment", "studio-keycloak"))[0]["image"].endswith("/studio-keycloak:1.7.0")


# --- database migration ----------------------------------------------------------------------


def test_migration_job_contract() -> None:
    run = run_stack("dev")
    job = the_job(run)
    wait, migrate = containers(job)
    env = env_of(migrate)

    assert migrate["image"] == f"{REGISTRY}/studio-database-migration:1.7.0"
    # Chart 1.2.6 (f7ef5c9) templates/studio/backend/database-migration-job.yaml: no SKIP_KEYCLOAK yet.
    assert list(env) == [
        *KC_DB_ENV,
        "DATABASE_URL",
        "DB_SSL",
        "DB_REJECT_UNAUTHORIZED",
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "POSTGRES_DATABASE",
        "POSTGRES_USERNAME",
        "POSTGRES_PASSWORD",
    ]
    assert secret_refs(migrate) == {
        "DATABASE_URL": DATABASE_URL,
        "KC_DB_PASSWORD": (SECRET, "DATABASE_PASSWORD"),
        "POSTGRES_PASSWORD": (SECRET, "DATABASE_PASSWORD"),
    }
    assert env["KC_DB_URL"]["value"] == "jdbc:postgresql://postgresql.rasa-studio.svc.cluster.local:5432/keycloak"
    assert env["POSTGRES_DATABASE"]["value"] == "modelservice"
    assert env["DB_SSL"]["value"] == "false"

    assert wait["name"] == "wait-for-postgresql"
    assert wait["image"] == "postgres:17.2"
    assert "pg_isready" in " ".join(wait["command"])
    assert set(env_of(wait)) == {"DB_HOST", "DB_PORT", "DB_USER"}
    assert wait["securityContext"]["runAsNonRoot"] is True

    assert pod(job)["restartPolicy"] == "Never"
    assert 0 <= job["spec"]["backoffLimit"] <= 3
    assert "ttlSecondsAfterFinished" not in job["spec"]
    assert job["metadata"]["annotations"]["pulumi.com/replaceUnready"] == "true"
    assert pod(job)["imagePullSecrets"] == [{"name": "rasa-registry"}]
    assert_labels(job, "database-migration")


@pytest.mark.parametrize("name", ["studio-backend", "studio-keycloak", "studio-event-ingestion"])
def test_workloads_that_need_the_schema_depend_on_the_migration(name: str) -> None:
    run = run_stack("dev")
    job = registration(run, "Job", the_job(run)["metadata"]["name"])
    assert job.urn in registration(run, "Deployment", name).depends_on


def test_backend_waits_for_keycloak() -> None:
    run = run_stack("dev")
    keycloak = registration(run, "Deployment", "studio-keycloak")
    assert keycloak.urn in registration(run, "Deployment", "studio-backend").depends_on


def test_a_studio_upgrade_reruns_the_migration_and_keeps_everything_else() -> None:
    before, after = run_stack("dev"), run_stack("dev", "studio.version=1.7.1")
    old_job, new_job = the_job(before), the_job(after)
    assert old_job["metadata"]["name"] != new_job["metadata"]["name"]
    old_urn = registration(before, "Job", old_job["metadata"]["name"]).urn
    new_urn = registration(after, "Job", new_job["metadata"]["name"]).urn
    assert old_urn != new_urn
    assert containers(new_job)[1]["image"].endswith(":1.7.1")
    assert new_urn in registration(after, "Deployment", "studio-backend").depends_on
    for kind, name in [
        ("Deployment", "studio-keycloak"),
        ("Deployment", "studio-backend"),
        ("Secret", "studio-secrets"),
        ("Service", "studio-backend"),
        ("ConfigMap", "studio-web-client-configmap"),
    ]:
        assert registration(before, kind, name).urn == registration(after, kind, name).urn, name


def test_unrelated_changes_keep_the_migration_identity() -> None:
    urn = lambda run: registration(run, "Job", the_job(run)["metadata"]["name"]).urn  # noqa: E731
    assert urn(run_stack("dev")) == urn(run_stack("dev", "studio.backend.replicas=3"))


# --- keycloak ---------------------------------------------------------------------------------


def test_keycloak_container_contract() -> None:
    run = run_stack("dev")
    deployment = find(run, "Deployment", "studio-keycloak")
    (keycloak,) = containers(deployment)
    env = env_of(keycloak)

    assert keycloak["image"] == f"{REGISTRY}/studio-keycloak:1.7.0"
    # Chart 1.2.6 values.yaml keycloak.environmentVariables: KC_PROXY=edge only.
    assert list(env) == [*KEYCLOAK_ADMIN_ENV, *KC_DB_ENV, "KC_PROXY"]
    assert secret_refs(keycloak) == {
        "KEYCLOAK_ADMIN_PASSWORD": (SECRET, "KEYCLOAK_ADMIN_PASSWORD"),
        "KC_DB_PASSWORD": (SECRET, "DATABASE_PASSWORD"),
    }
    assert env["KC_DB_URL"]["value"].endswith(":5432/keycloak")
    assert env["KC_PROXY"]["value"] == "edge"
    assert keycloak["ports"][0]["containerPort"] == 8080
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert keycloak[probe]["httpGet"] == {"path": "/auth", "port": 8080}
    assert keycloak["livenessProbe"]["initialDelaySeconds"] == 30
    assert keycloak["resources"] == {
        "requests": {"cpu": "250m", "memory": "1Gi"},
        "limits": {"cpu": "2000m", "memory": "2000Mi"},
    }
    assert_labels(deployment, "keycloak")
    service = find(run, "Service", "studio-keycloak")
    assert service["spec"]["ports"][0]["port"] == 80 and service["spec"]["ports"][0]["targetPort"] == 8080


# --- event ingestion --------------------------------------------------------------------------


def test_event_ingestion_container_contract() -> None:
    run = run_stack("dev")
    deployment = find(run, "Deployment", "studio-event-ingestion")
    (ingestion,) = containers(deployment)
    env = env_of(ingestion)

    assert ingestion["image"] == f"{REGISTRY}/studio-event-ingestion:1.7.0"
    # Chart 1.2.6 templates/studio/event-ingestion/deployment.yaml: KAFKA_CLIENT_ID, then the
    # values map in sorted order (DATABASE_URL first).
    assert list(env) == [
        "KAFKA_CLIENT_ID",
        "DATABASE_URL",
        "KAFKA_BROKER_ADDRESS",
        "KAFKA_CA_FILE",
        "KAFKA_CERT_FILE",
        "KAFKA_CUSTOM_SSL",
        "KAFKA_DLQ_TOPIC",
        "KAFKA_ENABLE_SSL",
        "KAFKA_GROUP_ID",
        "KAFKA_KEY_FILE",
        "KAFKA_REJECT_UNAUTHORIZED",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SASL_USERNAME",
        "KAFKA_TOPIC",
        "NODE_TLS_REJECT_UNAUTHORIZED",
    ]
    assert secret_refs(ingestion) == {
        "DATABASE_URL": DATABASE_URL,
        "KAFKA_SASL_PASSWORD": (SECRET, "KAFKA_SASL_PASSWORD"),
    }
    assert env["KAFKA_TOPIC"]["value"] == EVENTS_TOPIC == "rasa-events"
    assert env["KAFKA_DLQ_TOPIC"]["value"] == EVENTS_DLQ_TOPIC == "rasa-events-dlq"
    assert env["KAFKA_GROUP_ID"]["value"] == "studio"
    assert env["KAFKA_CLIENT_ID"]["value"] == "kafka-python-rasa"
    assert env["KAFKA_BROKER_ADDRESS"]["value"] == "kafka.rasa-studio.svc.cluster.local:9092"
    assert "KAFKA_BOOTSTRAP_SERVERS" not in env
    # The chart has neither ports nor probes nor a Service for it.
    assert not {"ports", "livenessProbe", "readinessProbe"} & set(ingestion)
    assert not [m for m in manifests(run) if m["kind"] == "Service" and "ingestion" in m["metadata"]["name"]]
    assert ingestion["resources"] == {
        "requests": {"cpu": "100m", "memory": "512Mi"},
        "limits": {"cpu": "1000m", "memory": "1000Mi"},
    }
    assert_labels(deployment, "event-ingestion")


# --- every Studio pod -------------------------------------------------------------------------

SENSITIVE = ("PASS", "PASSWORD", "SECRET", "TOKEN", "LICENSE", "API_KEY")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_sensitive_env_vars_are_secret_references_and_pods_pull_with_the_registry_secret(stack: str) -> None:
    studio_workloads = [
        m
        for m in manifests(run_stack(stack))
        if m["kind"] in ("Deployment", "Job") and m["metadata"]["name"].startswith("studio-")
    ]
    assert len(studio_workloads) == 5
    for obj in studio_workloads:
        assert pod(obj)["imagePullSecrets"] == [{"name": "rasa-registry"}]
        for container in containers(obj):
            for name, entry in env_of(container).items():
                if any(word in name for word in SENSITIVE):
                    assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], (
                        obj["metadata"]["name"],
                        name,
                    )
            if container["name"] == "database-migration":
                # As the chart runs it (docs/studio-versions.md); restricted is an opt-in.
                assert "securityContext" not in container and "securityContext" not in pod(obj)
            else:
                assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["limits"] and container["resources"]["requests"]


# --- secrets ----------------------------------------------------------------------------------


def test_studio_secrets_holds_the_chart_keys() -> None:
    secret = find(run_stack("dev"), "Secret", "studio-secrets")
    assert set(secret["stringData"]) == {
        "DATABASE_PASSWORD",
        "KEYCLOAK_ADMIN_PASSWORD",
        "KEYCLOAK_API_PASSWORD",
        "KAFKA_SASL_PASSWORD",
        "RASA_PRO_LICENSE_SECRET_KEY",
        # Always present, as in the chart's Secret; empty without an OpenAI key.
        "OPENAI_API_KEY_SECRET_KEY",
    }
    assert set(secret["stringData"].values()) == {"[secret]"}
    pull = find(run_stack("dev"), "Secret", "rasa-registry")
    assert pull["type"] == "kubernetes.io/dockerconfigjson"


def test_generated_passwords_survive_a_studio_upgrade() -> None:
    def passwords(run: Any) -> dict[str, str]:
        return {
            r.urn: r.state["result"]
            for r in run.registrations
            if r.type == "random:index/randomPassword:RandomPassword"
        }

    assert passwords(run_stack("dev")) == passwords(run_stack("dev", "studio.version=1.7.1"))


def test_prod_spreads_the_replicated_web_client_and_budgets_its_disruptions() -> None:
    run = run_stack("prod")
    web = find(run, "Deployment", "studio-web-client")
    assert web["spec"]["replicas"] == 2
    assert {c["topologyKey"] for c in pod(web)["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    assert find(run, "PodDisruptionBudget", "studio-web-client")["spec"]["maxUnavailable"] == 1
    # A Job's pod is not spread: there is only one at a time.
    assert "topologySpreadConstraints" not in pod(the_job(run))


@pytest.mark.parametrize(
    ("stack", "database", "skip"),
    [
        ("staging", None, "true"),
        ("dev", {"mode": "external", "host": "db.example.com", "passwordSecret": {"name": "db", "key": "pw"}}, "false"),
    ],
)
def test_migration_creates_the_keycloak_database_only_where_nobody_else_does(
    stack: str, database: dict | None, skip: str
) -> None:
    plain = copy.deepcopy(stack_input(stack, *EMBEDDED).plain)
    if database is not None:
        plain = {**plain, "database": database}
    (job,) = [
        m for m in manifests(run_config(stack, plain)) if m["metadata"]["name"].startswith("studio-database-migration-")
    ]
    _, migrate = containers(job)
    assert env_of(migrate)["SKIP_KEYCLOAK"]["value"] == skip
