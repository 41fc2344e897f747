"""Golden contract of every container, per Studio version, against Rasa's official chart.

The expected values are written by hand from RasaHQ/rasa-helm-charts (charts/studio and its rasa
subchart) at the release that shipped each Studio version, read from the templates and default
values; they are not derived from this program. Env vars the chart does not set are allowed only
from EXTRA below, each with its reason (also listed in docs/studio-versions.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.secrets import database_url
from config import validate
from tests import crd_schema
from tests.harness import SECRETS, env_of, find, manifests, run_config, run_stack, stack_input
from tools import schema

# --- names the chart renders ----------------------------------------------------------------

KC_ADMIN = {"KEYCLOAK_ADMIN", "KEYCLOAK_ADMIN_USERNAME", "KEYCLOAK_ADMIN_PASSWORD"}
KC_DB = {"KC_DB_USERNAME", "KC_DB_PASSWORD", "KC_DB_URL"}
DB_PARTS = {"DB_USER", "DB_PASS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_QUERY"}
# templates/studio/event-ingestion/deployment.yaml + values.yaml eventIngestion.environmentVariables
# (unchanged names from chart 1.1.10 to 2.6.0).
INGESTION_KAFKA = {
    "KAFKA_CLIENT_ID",
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
}
KEYCLOAK_API = {"KEYCLOAK_API_CLIENT_ID", "KEYCLOAK_API_PASSWORD", "KEYCLOAK_API_USERNAME", "KEYCLOAK_REALM"}
DELETE = {"DELETE_CONVERSATIONS_CRON_EXPRESSION", "DELETE_CONVERSATIONS_OLDER_THAN_HOURS"}

# Chart 1.2.6 (f7ef5c9) templates/studio/backend/deployment.yaml, _env.tpl, values.yaml backend.
BACKEND_1_2_6 = {
    *KC_ADMIN,
    "KEYCLOAK_URL",
    "WEB_CLIENT_URL",
    "MODEL_TRAINING_MOCK_ENABLED",
    "MODEL_RUNNING_MOCK_ENABLED",
    "KEYCLOAK_API_GRANT_TYPE",
    "MTS_API_URL",
    "MRS_API_URL",
    "DATABASE_URL",
    *DELETE,
    "DOCKER_IMAGE_TAG",
    *KEYCLOAK_API,
}
# Chart 2.0.0 (e55cc2f): the model-service variables become MS_API_URL and API_URL.
BACKEND_2_0 = {
    *KC_ADMIN,
    "KEYCLOAK_URL",
    "WEB_CLIENT_URL",
    "KEYCLOAK_API_GRANT_TYPE",
    "API_URL",
    "MS_API_URL",
    "DATABASE_URL",
    *DELETE,
    *KEYCLOAK_API,
}
# Chart 2.2.0 (d3bab1a) _env.tpl: DB_* instead of DATABASE_URL, KEYCLOAK_CLIENT_ID (from 2.1.9).
BACKEND_2_2 = (BACKEND_2_0 - {"DATABASE_URL"}) | DB_PARTS | {"KEYCLOAK_CLIENT_ID"}

MIGRATION_1_2_6 = {
    *KC_DB,
    "DATABASE_URL",
    "DB_SSL",
    "DB_REJECT_UNAUTHORIZED",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DATABASE",
    "POSTGRES_USERNAME",
    "POSTGRES_PASSWORD",
}
# Chart 2.0.2 (9b56a39) removed POSTGRES_*; 2.1.4 (7fa0002) renders SKIP_KEYCLOAK by default.
MIGRATION_2_0_2 = {*KC_DB, "DATABASE_URL", "DB_SSL", "DB_REJECT_UNAUTHORIZED"}
MIGRATION_2_1_5 = MIGRATION_2_0_2 | {"SKIP_KEYCLOAK"}
# Chart 2.2.0 (d3bab1a) database-migration-job.yaml.
MIGRATION_2_2 = {
    *DB_PARTS,
    *KC_DB,
    "DB_SSL",
    "DB_REJECT_UNAUTHORIZED",
    "KC_DEFAULT_DATABASE_CONNECTION_NAME",
    "SKIP_KEYCLOAK",
}

# values.yaml keycloak.environmentVariables: KC_PROXY until 2.1.6; 2.1.7 (a5d47ab) on all three.
KEYCLOAK_EDGE = {*KC_ADMIN, *KC_DB, "KC_PROXY"}
KEYCLOAK_HEADERS = {*KC_ADMIN, *KC_DB, "KC_HTTP_ENABLED", "KC_PROXY", "KC_PROXY_HEADERS"}

# Chart 1.2.6 templates/model-service/_env.tpl (shared by the four services).
MODEL_SHARED = {
    "KUBERNETES_NAMESPACE",
    "RUNS_IN_CLUSTER",
    "AUTHENTICATION_ENDPOINT_ENABLED",
    "KAFKA_BROKER_ADDRESS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SSL_CA_LOCATION",
    "KAFKA_SASL_PASSWORD",
    "RASA_PRO_LICENSE",
    "TRAINING_STORAGE_BUCKET",
    "STORAGE_TYPE",
    "REGION_NAME",
}
POSTGRES = {"PERSISTOR_BACKEND", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DATABASE", "POSTGRES_USERNAME"}
POSTGRES |= {"POSTGRES_PASSWORD"}
JOB_SECRETS = {
    "RASA_PRO_LICENSE_SECRET_NAME",
    "RASA_PRO_LICENSE_SECRET_KEY",
    "OPENAI_API_KEY_SECRET_NAME",
    "OPENAI_API_KEY_SECRET_KEY",
}
JOB_LIMITS = {"RASA_REQUESTS_CPU", "RASA_REQUESTS_MEMORY", "RASA_LIMITS_CPU", "RASA_LIMITS_MEMORY", "RASA_DEBUG_LOGS"}
MODEL_1_2_6 = {
    "model-training-service-orchestrator": MODEL_SHARED
    | POSTGRES
    | {"KAFKA_TRAINING_STATUS_UPDATE_TOPIC", "TRAINING_JOB_TOPIC", "TRAINING_RESULT_CONSUMER_GROUP_ID"}
    | {"TRAINING_RESULT_TOPIC"},
    "model-training-service-consumer": MODEL_SHARED
    | JOB_SECRETS
    | JOB_LIMITS
    | {"KUBERNETES_DATA_PVC", "BUCKET_NAME", "ORCHESTRATOR_HTTP_API_URL", "KAFKA_JOB_TOPIC", "KAFKA_RESULT_TOPIC"}
    | {"KUBERNETES_BASE_TRAINING_DATA_PATH", "KUBERNETES_JOB_BOT_CONFIG_MOUNT", "MODEL_TRAINING_KAFKA_CONSUMER_ID"},
    "model-running-service-orchestrator": MODEL_SHARED
    | POSTGRES
    | {"DEPLOYMENT_STORAGE_BUCKET", "DEPLOYMENT_JOB_TOPIC", "DEPLOYMENT_RESULT_CONSUMER_GROUP_ID"}
    | {"DEPLOYMENT_RESULT_TOPIC"},
    "model-running-service-consumer": MODEL_SHARED
    | JOB_SECRETS
    | JOB_LIMITS
    | {"KUBERNETES_DATA_PVC", "BUCKET_NAME", "ORCHESTRATOR_HTTP_API_URL", "BASE_DOMAIN", "BOT_TALK_SUB_PATH"}
    | {
        f"RASA_{c}_CHECK_{s}"
        for c in ("READINESS", "STARTUP")
        for s in ("INITIAL_DELAY_SECONDS", "INTERVAL_IN_SECONDS")
    }
    | {"RASA_READINESS_FAILURE_THRESHOLD", "RASA_STARTUP_FAILURE_THRESHOLD"}
    | {"DEPLOYMENT_JOB_KAFKA_TOPIC", "KAFKA_DEPLOYMENT_RESULT_TOPIC", "MODEL_DEPLOYMENT_KAFKA_CONSUMER_ID"}
    | {"KUBERNETES_BASE_BOT_DATA_PATH", "KUBERNETES_JOB_BOT_CONFIG_MOUNT"},
}
# rasa subchart deployment (e55cc2f charts/rasa/templates/rasa/deployment.yaml): overrideEnv
# plus the `shared-environment` ConfigMap's keys (set directly here, see EXTRA).
RASAPRO = {"RASA_PRO_LICENSE", "OPENAI_API_KEY", "RASA_MODEL_SERVER_BASE_URL", "KEYCLOAK_URL", "KEYCLOAK_REALM"}

# --- what this program adds on purpose ----------------------------------------------------------

# The backend's polling settings with their documented defaults (rasa-studio-deployment docs),
# so an operator can tune them; the chart leaves them to the image.
BACKEND_EXTRA = {"TRAINING_POLLING_INTERVAL_MS", "MODEL_POLLING_INTERVAL_MS", "MODEL_INACTIVE_AFTER_MS"}
# MinIO/S3 keys: the chart's own `storage.awsAccessKeyId/awsSecretAccessKey` option, which this
# program fills for MinIO; AWS_ENDPOINT_URL points boto3 at MinIO (the chart knows only AWS S3/GCS).
STORAGE_EXTRA = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"}
EXTRA: dict[str, set[str]] = {
    "backend": BACKEND_EXTRA,
    "model-training-service-orchestrator": STORAGE_EXTRA,
    "model-running-service-orchestrator": STORAGE_EXTRA,
    # The consumers start the Jobs: they get the Rasa Pro image the chart gave the backend.
    "model-training-service-consumer": STORAGE_EXTRA | {"DOCKER_IMAGE_TAG"},
    "model-running-service-consumer": STORAGE_EXTRA | {"DOCKER_IMAGE_TAG"},
    # The sizing's limits, and remote storage of trained models in the bucket (the chart's
    # playbooks put these in `additionalEnv`, which its `overrideEnv` discards).
    "rasapro": {
        "MAX_PARALLEL_TRAININGS",
        "MAX_PARALLEL_BOT_RUNS",
        "RASA_REMOTE_STORAGE",
        "BUCKET_NAME",
        "AWS_DEFAULT_REGION",
        *STORAGE_EXTRA,
    },
}

# Per Studio version: (architecture, chart label, expected env names per container).
GOLDEN: dict[str, tuple[str, str, dict[str, set[str]]]] = {
    "1.7.0": (
        "orchestrated",
        "chart 1.2.6 (Studio 1.7.0)",
        {
            "web-client": set(),
            "backend": BACKEND_1_2_6,
            "database-migration": MIGRATION_1_2_6,
            "keycloak": KEYCLOAK_EDGE,
            "event-ingestion": INGESTION_KAFKA | {"DATABASE_URL"},
            **MODEL_1_2_6,
        },
    ),
    "1.10.0": (
        "embedded",
        "chart 2.0.2 (Studio 1.10.0)",
        {
            "web-client": set(),
            "backend": BACKEND_2_0,
            "database-migration": MIGRATION_2_0_2,
            "keycloak": KEYCLOAK_EDGE,
            "event-ingestion": INGESTION_KAFKA | {"DATABASE_URL"},
            "rasapro": RASAPRO,
        },
    ),
    "1.12.2": (
        "embedded",
        "chart 2.1.5 (Studio 1.12.2)",
        {
            "web-client": set(),
            "backend": BACKEND_2_0,
            "database-migration": MIGRATION_2_1_5,
            "keycloak": KEYCLOAK_EDGE,
            "event-ingestion": INGESTION_KAFKA | {"DATABASE_URL"},
            "rasapro": RASAPRO,
        },
    ),
    "1.14.0": (
        "embedded",
        "chart 2.2.0 (Studio 1.14.0)",
        {
            "web-client": set(),
            "backend": BACKEND_2_2,
            "database-migration": MIGRATION_2_2,
            "keycloak": KEYCLOAK_HEADERS,
            "event-ingestion": INGESTION_KAFKA | DB_PARTS,
            "rasapro": RASAPRO,
        },
    ),
    "1.17.0": (
        "embedded",
        "chart 2.6.0 (Studio 1.17.0)",
        {
            "web-client": set(),
            "backend": BACKEND_2_2,
            "database-migration": MIGRATION_2_2,
            "keycloak": KEYCLOAK_HEADERS,
            "event-ingestion": INGESTION_KAFKA | DB_PARTS,
            "rasapro": RASAPRO,
        },
    ),
}

# config.js flags (templates/studio/web-client/configmap.yaml at each release).
FLAGS = {
    "1.7.0": ["VERSION_CONTROL_ENABLED", "CMS_RESPONSES_ENABLED", "STUDIO_INSPECTOR_ENABLED"],
    "1.10.0": ["VERSION_CONTROL_ENABLED", "CMS_RESPONSES_ENABLED", "STUDIO_INSPECTOR_ENABLED"],
    "1.12.2": ["VOICE_INSPECTOR_ENABLED", "SILENCE_TIMEOUT_ENABLED", "EDIT_SYSTEM_RESPONSES_ENABLED"],
    "1.14.0": ["VOICE_INSPECTOR_ENABLED", "SILENCE_TIMEOUT_ENABLED", "EDIT_SYSTEM_RESPONSES_ENABLED"],
    "1.17.0": ["VOICE_INSPECTOR_ENABLED", "SILENCE_TIMEOUT_ENABLED", "EDIT_SYSTEM_RESPONSES_ENABLED"],
}

# Keys of studio-secrets each env var reads (charts/studio secrets.yaml and the templates).
SECRET_KEYS = {
    "KEYCLOAK_ADMIN_PASSWORD": "KEYCLOAK_ADMIN_PASSWORD",
    "KEYCLOAK_API_PASSWORD": "KEYCLOAK_API_PASSWORD",
    "KC_DB_PASSWORD": "DATABASE_PASSWORD",
    "DB_PASS": "DATABASE_PASSWORD",
    "POSTGRES_PASSWORD": "DATABASE_PASSWORD",
    "KAFKA_SASL_PASSWORD": "KAFKA_SASL_PASSWORD",
    "RASA_PRO_LICENSE": "RASA_PRO_LICENSE_SECRET_KEY",
    "OPENAI_API_KEY": "OPENAI_API_KEY_SECRET_KEY",
    "DATABASE_URL": "DATABASE_URL",
}


def is_rasa_image(image: str) -> bool:
    """Rasa's closed images; postgres, kafka, minio and nginx-unprivileged are this program's choice."""
    return "/rasa-releases/" in image and "/nginx-unprivileged:" not in image


def render(version: str, *sets: str) -> Any:
    architecture = GOLDEN[version][0]
    return run_stack("dev", f"studio.version={version}", f"modelService.architecture={architecture}", *sets)


def workloads(run: Any) -> list[dict[str, Any]]:
    return [m for m in manifests(run) if m["kind"] in ("Deployment", "StatefulSet", "Job")]


def rasa_containers(run: Any) -> dict[str, dict[str, Any]]:
    """Main container of every Studio and model-service workload, by container name."""
    found = {}
    for obj in workloads(run):
        for c in obj["spec"]["template"]["spec"]["containers"]:
            if is_rasa_image(c["image"]):
                found[c["name"]] = c
    return found


VERSIONS = sorted(GOLDEN, key=lambda v: tuple(int(p) for p in v.split(".")))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_container_gets_exactly_its_chart_releases_env(version: str) -> None:
    run = render(version)
    assert run.outputs["contract"] == GOLDEN[version][1]
    found = rasa_containers(run)
    expected = GOLDEN[version][2]
    assert set(found) == set(expected)
    for name, chart in expected.items():
        names = [e["name"] for e in found[name].get("env", [])]
        assert len(names) == len(set(names)), name
        missing = chart - set(names)
        unexpected = set(names) - chart - EXTRA.get(name, set())
        assert (name, missing, unexpected) == (name, set(), set())


@pytest.mark.parametrize("version", VERSIONS)
def test_secret_references_are_the_charts_keys_and_all_exist(version: str) -> None:
    run = render(version)
    studio_secrets = set(find(run, "Secret", "studio-secrets")["stringData"])
    # Chart 2.2.0-2.6.0 secrets.yaml / README: every key, present even where unset (OpenAI).
    assert studio_secrets == {
        "DATABASE_PASSWORD",
        "KEYCLOAK_ADMIN_PASSWORD",
        "KEYCLOAK_API_PASSWORD",
        "KAFKA_SASL_PASSWORD",
        "RASA_PRO_LICENSE_SECRET_KEY",
        "OPENAI_API_KEY_SECRET_KEY",
    }
    url_secret = [m for m in manifests(run) if m["kind"] == "Secret" and m["metadata"]["name"] == "studio-database-url"]
    # DATABASE_URL until chart 2.1.9, the DB_* parts from 2.2.0.
    assert bool(url_secret) == (version in {"1.7.0", "1.10.0", "1.12.2"})
    existing = {("studio-secrets", k) for k in studio_secrets}
    existing |= {("studio-database-url", k) for s in url_secret for k in s["stringData"]}
    for name, container in rasa_containers(run).items():
        for var, entry in env_of(container).items():
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref is None or ref["name"] in ("minio-credentials",):
                continue
            assert ref["key"] == SECRET_KEYS[var], (name, var)
            assert (ref["name"], ref["key"]) in existing, (name, var)


@pytest.mark.parametrize("version", VERSIONS)
def test_config_js_has_the_releases_flags(version: str) -> None:
    content = find(render(version), "ConfigMap", "studio-web-client-configmap")["data"]["windowVariables"]
    keys = [line.split(" = ")[0].removeprefix("window.") for line in content.splitlines()]
    assert keys == [
        "API_ENDPOINT",
        "KEYCLOAK_URL",
        "KEYCLOAK_REALM",
        "KEYCLOAK_CLIENT_ID",
        *FLAGS[version],
        "CURRENT_VERSION_NUMBER",
    ]


def probe(path: str, port: int, initial: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "initialDelaySeconds": initial,
        "periodSeconds": 15,
        "timeoutSeconds": 5,
        "failureThreshold": 6,
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_ports_and_probes_are_the_charts(version: str) -> None:
    """values.yaml probes (1.2.6 and 9950890 alike); ports are the apps' targetPorts, which
    the chart's Services and probes use (its containerPort 80 is the listed difference)."""
    run = render(version)
    found = rasa_containers(run)
    for name, path, port, initial in (
        ("backend", "/api/health", 4000, 15),
        ("web-client", "/", 8080, 15),
        ("keycloak", "/auth", 8080, 30),
    ):
        assert found[name]["livenessProbe"] == found[name]["readinessProbe"] == probe(path, port, initial)
        assert [p["containerPort"] for p in found[name]["ports"]] == [port]
    assert not {"ports", "livenessProbe", "readinessProbe"} & set(found["event-ingestion"])
    services = {m["metadata"]["name"]: m["spec"]["ports"] for m in manifests(run) if m["kind"] == "Service"}
    assert [(p["port"], p["targetPort"]) for p in services["studio-backend"]] == [(80, 4000)]
    assert [(p["port"], p["targetPort"]) for p in services["studio-web-client"]] == [(80, 8080)]
    assert [(p["port"], p["targetPort"]) for p in services["studio-keycloak"]] == [(80, 8080)]
    if GOLDEN[version][0] == "embedded":
        # rasa subchart: liveness = readiness GET / :8000, initial delay 30.
        assert found["rasapro"]["livenessProbe"] == found["rasapro"]["readinessProbe"] == probe("/", 8000, 30)
        assert [(p["port"], p["targetPort"]) for p in services["rasapro"]] == [(80, "http")]
        assert found["rasapro"]["command"] == ["python", "-m", "rasa.model_service"]
    else:
        for name, port in (("model-training-service-orchestrator", 8000), ("model-running-service-orchestrator", 8001)):
            assert found[name]["readinessProbe"]["httpGet"] == {"path": "/", "port": port}
        assert [p["port"] for p in services["model-training-service"]] == [8000]
        assert [p["port"] for p in services["model-running-service"]] == [8001]


@pytest.mark.parametrize("version", VERSIONS)
def test_rasa_images_run_as_the_chart_runs_them_and_ours_stay_hardened(version: str) -> None:
    run = render(version)
    for obj in workloads(run):
        pod = obj["spec"]["template"]["spec"]
        for c in [*pod.get("initContainers", []), *pod["containers"]]:
            if c["name"] == "database-migration":
                # The chart sets no securityContext on the migration Job (1.2.6 to 2.6.0).
                assert "securityContext" not in c and "securityContext" not in pod
                continue
            sc = c["securityContext"]
            # The chart's settings, plus the seccomp profile Pod Security `restricted` requires.
            assert sc["runAsNonRoot"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            if is_rasa_image(c["image"]):
                # /tmp is the writable root's, as in the chart; only the web client has the chart's emptyDir.
                tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
                assert bool(tmp) == (c["name"] == "web-client"), c["name"]
                assert "runAsUser" not in sc and "runAsUser" not in pod["securityContext"], c["name"]
                assert sc.get("readOnlyRootFilesystem") is not True, c["name"]
                # checkov's read-only-root check is skipped on this object alone, with the reason.
                skips = obj["metadata"]["annotations"].values()
                assert any(v.startswith("CKV_K8S_22=Rasa's image") for v in skips), obj["metadata"]["name"]
            else:
                # postgres, kafka, minio, nginx, the setup Jobs: a fixed user and a read-only root.
                assert sc["runAsUser"] > 0 and sc["readOnlyRootFilesystem"] is True, c["name"]


def test_the_stricter_settings_are_an_opt_in_per_component() -> None:
    run = render(
        "1.17.0",
        "studio.backend.securityContext.runAsUser=1000",
        "studio.backend.securityContext.runAsGroup=1000",
        "studio.backend.securityContext.readOnlyRootFilesystem=true",
        "studio.keycloak.securityContext.readOnlyRootFilesystem=true",
        "modelService.securityContext.embedded.runAsUser=1001",
    )
    found = rasa_containers(run)
    backend = found["backend"]["securityContext"]
    assert (backend["runAsUser"], backend["runAsGroup"], backend["readOnlyRootFilesystem"]) == (1000, 1000, True)
    assert "/tmp" in {m["mountPath"] for m in found["backend"]["volumeMounts"]}
    # A generous cap: a pod writing past an emptyDir's sizeLimit is evicted.
    volumes = find(run, "Deployment", "studio-backend")["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]
    keycloak = found["keycloak"]
    assert keycloak["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"/tmp", "/opt/keycloak/data"} <= {m["mountPath"] for m in keycloak["volumeMounts"]}
    assert "runAsUser" not in keycloak["securityContext"]
    assert found["rasapro"]["securityContext"]["runAsUser"] == 1001
    # A read-only component needs no checkov skip or writable-root annotation any more.
    deployment = find(run, "Deployment", "studio-backend")
    assert "rasa-studio/writable-root-filesystem" not in deployment["spec"]["template"]["metadata"].get(
        "annotations", {}
    )
    assert not any(v.startswith("CKV_K8S_22") for v in (deployment["metadata"].get("annotations") or {}).values())
    # The others keep the chart's settings.
    assert "readOnlyRootFilesystem" not in found["web-client"]["securityContext"] or (
        found["web-client"]["securityContext"]["readOnlyRootFilesystem"] is False
    )


@pytest.mark.parametrize("value", ["0", "-5"])
def test_an_opt_in_root_user_is_refused_by_key(value: str) -> None:
    raw = {
        "environment": "dev",
        "studio": {"host": "s.example.com", "version": "1.7.0", "backend": {"securityContext": {"runAsUser": value}}},
    }
    _, problems = validate(raw)
    assert any(p.startswith("rasa-studio:studio.backend.securityContext.runAsUser:") for p in problems), problems


@pytest.mark.parametrize("version", VERSIONS)
def test_every_render_passes_strict_schema_validation(version: str) -> None:
    problems = [
        f"{m['kind']}/{m['metadata']['name']}: {e}"
        for m in manifests(render(version))
        # Gateway API objects (the dev stack's exposure) are checked against their CRDs' schemas.
        for e in (crd_schema.errors(m) if crd_schema.handles(m) else schema.errors(m, "1.30"))
    ]
    assert problems == []


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """Pod Security Standard `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards),
    the parts a pod template can break, written from the standard, not from the program."""
    found = []
    allowed_volumes = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim"}
    allowed_volumes |= {"projected", "secret"}
    for v in pod.get("volumes", []):
        if not set(v) - {"name"} <= allowed_volumes:
            found.append(f"volume {v['name']}")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            found.append(key)
    psc = pod.get("securityContext", {})
    for c in [*pod.get("initContainers", []), *pod["containers"]]:
        sc = c.get("securityContext", {})
        if sc.get("privileged"):
            found.append(f"{c['name']} privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            found.append(f"{c['name']} allowPrivilegeEscalation")
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            found.append(f"{c['name']} runAsNonRoot")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            found.append(f"{c['name']} runAsUser 0")
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{c['name']} seccomp")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []) or set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{c['name']} capabilities")
        if c.get("ports") and any(p.get("hostPort") for p in c["ports"]):
            found.append(f"{c['name']} hostPort")
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_restricted_pod_security_holds_where_the_namespace_enforces_it(version: str) -> None:
    run = render(version)
    enforced = find(run, "Namespace", "rasa-studio")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
    # The migration Job runs as the chart runs it, which only `baseline` admits.
    assert enforced == "baseline"
    for obj in workloads(run):
        found = restricted_violations(obj["spec"]["template"]["spec"])
        if obj["metadata"]["name"].startswith("studio-database-migration-"):
            assert set(found) == {
                "database-migration runAsNonRoot",
                "database-migration allowPrivilegeEscalation",
                "database-migration seccomp",
                "database-migration capabilities",
            }
        else:
            assert found == [], obj["metadata"]["name"]


def test_the_migrations_restricted_opt_in_lets_the_namespace_enforce_restricted() -> None:
    run = render("1.17.0", "studio.databaseMigration.securityContext.restricted=true")
    enforced = find(run, "Namespace", "rasa-studio")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
    assert enforced == "restricted"
    for obj in workloads(run):
        assert restricted_violations(obj["spec"]["template"]["spec"]) == [], obj["metadata"]["name"]
    (job,) = [o for o in workloads(run) if o["metadata"]["name"].startswith("studio-database-migration-")]
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    (migration,) = pod["containers"]
    assert migration["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    # No checkov skips for what is now set.
    assert not any(v.startswith("CKV_K8S_20=") for v in job["metadata"]["annotations"].values())


def test_the_restricted_check_can_fail() -> None:
    pod = {"containers": [{"name": "app", "securityContext": {"allowPrivilegeEscalation": False}}]}
    assert set(restricted_violations(pod)) == {"app runAsNonRoot", "app seccomp", "app capabilities"}


# --- values -----------------------------------------------------------------------------------


def test_values_that_changed_between_releases() -> None:
    def env(version: str, container: str) -> dict[str, Any]:
        return {k: v.get("value") for k, v in env_of(rasa_containers(render(version))[container]).items()}

    # MS_API_URL: http://rasapro.<ns>:80 in charts 2.0.0-2.0.2, http://rasapro from 2.0.3.
    assert env("1.10.0", "backend")["MS_API_URL"] == "http://rasapro.rasa-studio:80"
    assert env("1.17.0", "backend")["MS_API_URL"] == "http://rasapro"
    # Chart 1.2.6 backend values; the migration's model-service database.
    assert env("1.7.0", "backend")["MTS_API_URL"] == "http://model-training-service.rasa-studio:8000"
    assert env("1.7.0", "backend")["MRS_API_URL"] == "http://model-running-service.rasa-studio:8001"
    assert env("1.7.0", "database-migration")["POSTGRES_DATABASE"] == "modelservice"
    assert env("1.7.0", "database-migration")["POSTGRES_PORT"] == "5432"
    assert env("1.7.0", "keycloak")["KC_PROXY"] == "edge"
    assert {k: env("1.17.0", "keycloak")[k] for k in ("KC_HTTP_ENABLED", "KC_PROXY", "KC_PROXY_HEADERS")} == {
        "KC_HTTP_ENABLED": "true",
        "KC_PROXY": "edge",
        "KC_PROXY_HEADERS": "xforwarded",
    }
    assert env("1.17.0", "database-migration")["KC_DEFAULT_DATABASE_CONNECTION_NAME"] == "postgres"
    # The in-cluster PostgreSQL created the keycloak database: the migration skips it.
    assert env("1.12.2", "database-migration")["SKIP_KEYCLOAK"] == "true"
    # Event ingestion: left empty without TLS, as the chart does (in-cluster Kafka is plaintext).
    assert env("1.17.0", "event-ingestion")["KAFKA_ENABLE_SSL"] is None
    assert env("1.7.0", "model-training-service-orchestrator")["KAFKA_SSL_CA_LOCATION"] == ""


@pytest.mark.parametrize(
    ("password", "encoded"),
    [("plain", "plain"), ("p@ss/w:rd%", "p%40ss%2Fw%3Ard%25"), ("a b?#", "a%20b%3F%23")],
)
def test_database_url_percent_encodes_the_credentials(password: str, encoded: str) -> None:
    url = database_url("stu@dio", password, "db.example.com", 5432, "schema=public")
    assert url == f"postgresql://stu%40dio:{encoded}@db.example.com:5432/studio?schema=public"
    assert database_url("studio", password, "h", 1, "").endswith("@h:1/studio")


def test_versions_between_releases_use_the_nearest_earlier_contract() -> None:
    assert render("1.7.0").outputs["contract"] == "chart 1.2.6 (Studio 1.7.0)"
    run = run_stack("dev", "studio.version=1.16.3-latest", "modelService.architecture=embedded")
    assert run.outputs["contract"] == "chart 2.5.0 (Studio 1.16.0)"


@pytest.mark.parametrize("version", ["1.6.2", "1.9.1"])
def test_a_version_of_a_minor_no_chart_shipped_is_refused_by_key(version: str) -> None:
    _, problems = validate({"environment": "dev", "studio": {"host": "s.example.com", "version": version}})
    assert any(p.startswith(f"rasa-studio:studio.version: '{version}' is not a Studio tag") for p in problems)


def test_a_feature_flag_the_version_does_not_have_is_refused_by_key() -> None:
    raw = {
        "environment": "dev",
        "studio": {"host": "s.example.com", "version": "1.7.0", "webClient": {"features": {"voiceInspector": True}}},
    }
    _, problems = validate(raw)
    assert any(
        p.startswith("rasa-studio:studio.webClient.features.voiceInspector: Studio 1.7.0 has no") for p in problems
    )


def test_the_rendered_database_url_is_encoded_secret_and_points_at_the_database() -> None:
    run = run_config("dev", stack_input("dev").plain, {**SECRETS, "databasePassword": "p@ss/w:rd"})
    (secret,) = [
        r.state
        for r in run.registrations
        if r.custom and r.state.get("kind") == "Secret" and r.state["metadata"]["name"] == "studio-database-url"
    ]
    # The whole stringData travels as a Pulumi secret (the wrapper), never in plain state.
    assert secret["stringData"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert secret["stringData"]["value"] == {
        "DATABASE_URL": "postgresql://studio:p%40ss%2Fw%3Ard@postgresql.rasa-studio.svc.cluster.local:5432/studio"
        "?schema=public"
    }
