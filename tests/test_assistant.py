"""The assistant next to Studio (components/assistant/), judged on what the program renders.

endpoints.yml is parsed as YAML and held to the keys rasa.com documents for each section (the sets
below are written from those pages, not from the code); its topic, brokers and database are held to
what Studio's own event ingestion and backend are given in the same render, so a change on Studio's
side cannot leave the assistant behind.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from components.assistant import endpoints as ep
from components.interfaces import AssistantBacking, Database, Kafka, LockStore, SecretRef
from components.network_flows import INGRESS_CONTROLLER, OUTSIDE, Flow, flows
from config import validate
from tests import crd_schema
from tests.harness import containers, env_of, find, manifests, run_config, run_stack, stack_input
from tools import schema
from tools.mocks import SECRET_PLACEHOLDER

# https://rasa.com/docs/reference/integrations/event-brokers (Kafka event broker: its parameters and
# the SASL/SSL examples).
EVENT_BROKER_KEYS = {
    "type",
    "url",
    "topic",
    "client_id",
    "partition_by_sender",
    "sasl_username",
    "sasl_password",
    "sasl_mechanism",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_check_hostname",
    "security_protocol",
}
# https://rasa.com/docs/reference/integrations/tracker-stores (SQLTrackerStore configuration parameters).
TRACKER_STORE_KEYS = {"type", "dialect", "url", "port", "db", "username", "password", "query", "login_db", "driver"}
# https://rasa.com/docs/reference/integrations/lock-stores (ConcurrentRedisLockStore parameters).
LOCK_STORE_KEYS = {"type", "host", "port", "db", "username", "password", "use_ssl", "key_prefix", "socket_timeout"}
# https://rasa.com/docs/reference/integrations/action-server/actions (action_endpoint).
ACTION_ENDPOINT_KEYS = {"url", "token", "cafile"}
# The top-level keys of endpoints.yml this stack may write (`models` is not one: the model comes
# from the bucket).
ENDPOINTS_KEYS = {"event_broker", "tracker_store", "lock_store", "action_endpoint"}

ON = ("assistant.enabled=true", "assistant.assistantId=support-bot", "assistant.model.path=support-bot.tar.gz")
EMBEDDED = ("studio.version=1.17.0-latest", "modelService.architecture=embedded")
ACTIONS = ("assistant.actionServer.image=registry.example.com/actions", "assistant.actionServer.tag=v1")
EXTERNAL_REDIS = ("assistant.lockStore.mode=external", "assistant.lockStore.host=redis.example.com")
# Three whole-program runs, shared by the tests below (tests/harness.py caches them).
DEV = (*ON, *ACTIONS, "assistant.replicas=2", *EXTERNAL_REDIS, "assistant.lockStore.tls=false")
DEV_EMBEDDED = (*EMBEDDED, *ON, "assistant.host=assistant.localhost")
PROD = (
    *ON,
    *EXTERNAL_REDIS,
    "assistant.host=assistant.example.com",
    "assistant.autoscaling.enabled=true",
    'assistant.cors=["https://www.example.com"]',
)


def endpoints_of(run: Any) -> dict[str, Any]:
    document = yaml.safe_load(find(run, "ConfigMap", "rasa-config")["data"]["endpoints.yml"])
    assert isinstance(document, dict)
    return document


def rasa(run: Any) -> dict[str, Any]:
    (container,) = containers(find(run, "Deployment", "rasa"))
    return container


def ingestion_env(run: Any) -> dict[str, dict[str, Any]]:
    (container,) = containers(find(run, "Deployment", "studio-event-ingestion"))
    return env_of(container)


def assistant_objects(run: Any) -> list[dict[str, Any]]:
    owned = ("assistant", "action-server")
    return [m for m in manifests(run) if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") in owned]


@pytest.mark.parametrize("sets", [("dev", DEV), ("dev", DEV_EMBEDDED), ("prod", PROD)], ids=["dev", "embedded", "prod"])
def test_endpoints_use_only_the_documented_keys(sets: tuple[str, tuple[str, ...]]) -> None:
    stack, overrides = sets
    document = endpoints_of(run_stack(stack, *overrides))
    assert set(document) <= ENDPOINTS_KEYS
    assert set(document["event_broker"]) <= EVENT_BROKER_KEYS
    assert set(document["tracker_store"]) <= TRACKER_STORE_KEYS
    assert set(document.get("lock_store", {})) <= LOCK_STORE_KEYS
    assert set(document.get("action_endpoint", {})) <= ACTION_ENDPOINT_KEYS
    assert document["event_broker"]["type"] == "kafka"
    assert document["tracker_store"]["type"] == "SQL" and document["tracker_store"]["dialect"] == "postgresql"


@pytest.mark.parametrize("sets", [("dev", DEV), ("dev", DEV_EMBEDDED), ("prod", PROD)], ids=["dev", "embedded", "prod"])
def test_the_assistant_produces_where_event_ingestion_consumes(sets: tuple[str, tuple[str, ...]]) -> None:
    stack, overrides = sets
    run = run_stack(stack, *overrides)
    broker = endpoints_of(run)["event_broker"]
    ingestion = ingestion_env(run)
    assert broker["topic"] == ingestion["KAFKA_TOPIC"]["value"]
    # Rasa hands `url` to confluent-kafka as `bootstrap.servers` (rasa/core/brokers/kafka.py), which
    # makes a string of it with str(): what librdkafka gets must be event ingestion's broker list.
    assert str(broker["url"]) == ingestion["KAFKA_BROKER_ADDRESS"]["value"]
    # Its own principal, never Studio's.
    assert broker["sasl_username"] == "assistant" != ingestion["KAFKA_SASL_USERNAME"]["value"]
    assert broker["partition_by_sender"] is True


@pytest.mark.parametrize("sets", [("dev", DEV), ("prod", PROD)], ids=["dev", "prod"])
def test_the_tracker_store_is_its_own_database_on_studios_server(sets: tuple[str, tuple[str, ...]]) -> None:
    stack, overrides = sets
    run = run_stack(stack, *overrides)
    tracker = endpoints_of(run)["tracker_store"]
    (migration,) = [
        m
        for m in manifests(run)
        if m["kind"] == "Job" and m["metadata"]["name"].startswith("studio-database-migration-")
    ]
    studio = {k: v for c in containers(migration) for k, v in env_of(c).items()}
    assert tracker["url"] == studio["DB_HOST"]["value"]
    assert str(tracker["port"]) == studio["DB_PORT"]["value"]
    assert tracker["db"] == "rasa"
    assert tracker["username"] == "rasa" != studio["DB_USER"]["value"]
    # psycopg2 takes libpq's parameters only: Prisma's `schema=public` (in-cluster) must not reach it.
    assert set(tracker.get("query", {})) <= ep.LIBPQ_PARAMETERS
    if stack == "prod":
        assert tracker["query"]["sslmode"] == "require"


def test_passwords_come_from_secret_references_never_the_config_map() -> None:
    for stack, overrides in (("dev", DEV), ("prod", PROD)):
        run = run_stack(stack, *overrides)
        data = find(run, "ConfigMap", "rasa-config")["data"]
        assert SECRET_PLACEHOLDER not in json.dumps(data)
        document = endpoints_of(run)
        env = env_of(rasa(run))
        for section, key in (("event_broker", "sasl_password"), ("tracker_store", "password")):
            variable = document[section][key].removeprefix("${").removesuffix("}")
            assert document[section][key] == f"${{{variable}}}"
            assert "secretKeyRef" in env[variable]["valueFrom"], variable
        assert env["RASA_PRO_LICENSE"]["valueFrom"]["secretKeyRef"] == {
            "name": "studio-secrets",
            "key": "RASA_PRO_LICENSE_SECRET_KEY",
        }


def test_studios_kafka_change_reaches_the_assistant_in_the_same_render() -> None:
    base = run_stack("dev", *ON)
    given = stack_input("dev", *ON).plain
    external = copy.deepcopy(given)
    external["kafka"] = {
        "mode": "external",
        "brokers": ["kafka-1.example.com:9093", "kafka-2.example.com:9093"],
        "securityProtocol": "SASL_SSL",
        "saslMechanism": "plain",
        "username": "studio",
        "passwordSecret": {"name": "kafka", "key": "password"},
        "caSecret": "kafka-ca",
    }
    external["assistant"]["kafka"] = {"username": "bot-producer", "passwordSecret": {"name": "bot-kafka", "key": "pw"}}
    changed = run_config("dev", external)
    before, after = endpoints_of(base)["event_broker"], endpoints_of(changed)["event_broker"]
    assert before != after
    assert after["url"] == "kafka-1.example.com:9093,kafka-2.example.com:9093"
    assert after["security_protocol"] == "SASL_SSL" and after["sasl_mechanism"] == "PLAIN"
    assert after["sasl_username"] == "bot-producer"
    assert after["ssl_cafile"] == "/etc/ssl/kafka/ca.crt" and after["ssl_check_hostname"] is True
    assert after["topic"] == ingestion_env(changed)["KAFKA_TOPIC"]["value"]
    env = env_of(rasa(changed))
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "bot-kafka", "key": "pw"}
    mounts = {m["mountPath"]: m for m in rasa(changed)["volumeMounts"]}
    assert mounts["/etc/ssl/kafka"]["readOnly"] is True
    # The pods roll with the new endpoints.yml.
    checksum = "checksum/config"
    pod = find(base, "Deployment", "rasa")["spec"]["template"]["metadata"]["annotations"][checksum]
    assert find(changed, "Deployment", "rasa")["spec"]["template"]["metadata"]["annotations"][checksum] != pod


def _backing(topic: str) -> AssistantBacking:
    password = SecretRef("rasa-credentials", "DB_PASSWORD")
    return AssistantBacking(
        tracker=Database("db.internal", 5432, "rasa", password, "sslmode=verify-full&schema=public", True),
        tracker_database="rasa",
        kafka=Kafka("b-1:9096", "SASL_SSL", "SCRAM-SHA-512", "assistant", SecretRef("rasa-credentials", "K")),
        topic=topic,
        lock_store=LockStore("redis.internal", 6379, True, 0, SecretRef("rasa-lock-store", "REDIS_PASSWORD")),
    )


def test_the_topic_is_the_one_the_backing_services_hand_over() -> None:
    for topic in ("rasa-events", "another-topic"):
        backing = _backing(topic)
        broker = ep.event_broker(backing.kafka, "b-1:9096, b-2:9096", "assistant", backing.topic)
        assert broker["topic"] == topic and str(broker["url"]) == "b-1:9096,b-2:9096"
    tracker = ep.tracker_store(_backing("t").tracker, "db.internal", "rasa")
    assert tracker["query"] == {"sslmode": "verify-full"}
    lock = ep.lock_store(_backing("t").lock_store, "redis.internal")  # type: ignore[arg-type]
    assert lock == {
        "type": "concurrent_redis",
        "host": "redis.internal",
        "port": 6379,
        "db": 0,
        "use_ssl": True,
        "username": "default",
        "password": "${REDIS_PASSWORD}",
    }


def test_rasa_runs_as_charts_rasa_runs_it() -> None:
    run = run_stack("dev", *DEV)
    container = rasa(run)
    assert container["args"][:3] == ["run", "--port", "5005"]
    assert "--enable-api" not in container["args"]
    args = dict(zip(container["args"][1::2], container["args"][2::2], strict=False))
    assert args["--model"] == "support-bot.tar.gz" and args["--remote-storage"] == "aws"
    for probe in (container["livenessProbe"], container["readinessProbe"]):
        assert probe["httpGet"] == {"path": "/", "port": 5005}
        assert (probe["initialDelaySeconds"], probe["periodSeconds"], probe["failureThreshold"]) == (15, 15, 6)
    env = env_of(container)
    assert env["BUCKET_NAME"]["value"] and env["AWS_ENDPOINT_URL"]["value"].startswith("http://minio.")
    # The model service's Rasa Pro image line.
    (service,) = containers(find(run_stack("dev", *DEV_EMBEDDED), "Deployment", "rasapro"))
    assert rasa(run_stack("dev", *DEV_EMBEDDED))["image"] == service["image"]
    assert find(run, "Service", "rasa")["spec"]["ports"][0]["port"] == 5005
    assert find(run, "PodDisruptionBudget", "rasa")["spec"]["maxUnavailable"] == 1
    # The action server: the user's image, probed on rasa-sdk's /health, reached at its Service.
    (actions,) = containers(find(run, "Deployment", "rasa-action-server"))
    assert actions["image"] == "registry.example.com/actions:v1"
    assert actions["readinessProbe"]["httpGet"] == {"path": "/health", "port": 5055}
    assert actions["securityContext"]["readOnlyRootFilesystem"] is True
    assert endpoints_of(run)["action_endpoint"] == {
        "url": "http://rasa-action-server.rasa-studio.svc.cluster.local:5055/webhook"
    }
    assert endpoints_of(run)["lock_store"]["host"] == "redis.example.com"


def test_prod_autoscales_and_only_a_read_only_bucket_role_trusts_the_assistant() -> None:
    run = run_stack("prod", *PROD)
    assert "replicas" not in find(run, "Deployment", "rasa")["spec"]
    hpa = find(run, "HorizontalPodAutoscaler", "rasa")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rasa"
    account = find(run, "ServiceAccount", "rasa")
    trainer = find(run, "ServiceAccount", "model-training-service")
    annotation = "eks.amazonaws.com/role-arn"
    assert account["metadata"]["annotations"][annotation] != trainer["metadata"]["annotations"][annotation]
    roles = {r.name: r for r in run.by_type("aws:iam/role:Role")}
    me = "system:serviceaccount:rasa-studio:rasa"
    trusting = [name for name, r in roles.items() if me in json.dumps(r.inputs["assumeRolePolicy"])]
    assert trusting == ["rasa-studio-backing-object-storage-reader-role"], trusting
    # It loads models and never writes or deletes one (the model services' role does).
    policies = {r.name: json.dumps(r.inputs["policy"]) for r in run.by_type("aws:iam/rolePolicy:RolePolicy")}
    reader = policies["rasa-studio-backing-object-storage-reader-role-policy"]
    assert "s3:GetObject" in reader and "s3:PutObject" not in reader and "s3:DeleteObject" not in reader
    assert "s3:PutObject" in policies["rasa-studio-backing-object-storage-role-policy"]


def test_routes_follow_studios_exposure_profile() -> None:
    # Gateway API under a path: the prefix is stripped before Rasa.
    (rule,) = find(run_stack("dev", *DEV), "HTTPRoute", "rasa")["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/assistant"}}]
    assert rule["filters"][0]["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}
    # Its own host on the Gateway this stack creates: a listener of its own.
    run = run_stack("dev", *DEV_EMBEDDED)
    route = find(run, "HTTPRoute", "rasa")["spec"]
    assert route["hostnames"] == ["assistant.localhost"]
    assert route["parentRefs"][0]["sectionName"] == "assistant"
    listeners = {x["name"]: x for x in find(run, "Gateway", "studio")["spec"]["listeners"]}
    assert listeners["assistant"]["hostname"] == "assistant.localhost"
    # The ALB on its own host, health-checked where the probes are.
    ingress = find(run_stack("prod", *PROD), "Ingress", "rasa")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/"
    assert ingress["spec"]["rules"][0]["host"] == "assistant.example.com"


def test_nginx_strips_the_path_prefix() -> None:
    run = run_stack("dev", *ON, "studio.exposure=ingress", "studio.gateway=null")
    ingress = find(run, "Ingress", "rasa")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/rewrite-target"] == "/$2"
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["path"] == "/assistant(/|$)(.*)" and path["pathType"] == "ImplementationSpecific"


@pytest.mark.parametrize("version", ["1.30", schema.latest_version()])
def test_the_assistants_objects_pass_strict_schema_validation(version: str) -> None:
    objects = [
        o
        for stack, overrides in (("dev", DEV), ("dev", DEV_EMBEDDED), ("prod", PROD))
        for o in assistant_objects(run_stack(stack, *overrides))
    ]
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "ConfigMap", "HTTPRoute", "Ingress", "HorizontalPodAutoscaler"} <= kinds
    problems = [
        e for o in objects for e in (crd_schema.errors(o) if crd_schema.handles(o) else schema.errors(o, version))
    ]
    assert problems == []


def test_flows_of_the_assistant() -> None:
    config, problems = validate(stack_input("dev", *DEV).plain)
    assert config is not None, problems
    found = set(flows(config))
    assert {
        Flow(INGRESS_CONTROLLER, "assistant", 5005),
        Flow("assistant", "kafka", 9092),
        Flow("assistant", "postgresql", 5432),
        Flow("assistant", "object-storage", 9000),
        Flow("assistant", OUTSIDE, 6379),
        Flow("assistant", "action-server", 5055),
        Flow("action-server", OUTSIDE, 443),
    } <= found
    config, _ = validate(stack_input("dev", *ON, "assistant.replicas=2", "assistant.lockStore.mode=in-cluster").plain)
    assert config is not None
    assert Flow("assistant", "lock-store", 6379) in set(flows(config))
    # Off: none of its flows.
    config, _ = validate(stack_input("dev").plain)
    assert config is not None
    assert not [f for f in flows(config) if "assistant" in (f.source, f.destination)]


@pytest.mark.parametrize(
    ("stack", "sets", "key"),
    [
        # Pulumi.prod.yaml gives its (disabled) assistant a host: without one.
        ("prod", (*ON, "assistant.host=null"), "assistant.host"),
        ("dev", (*ON, "assistant.path=/api/bot"), "assistant.path"),
        ("dev", (*ON, "assistant.path=/talk"), "assistant.path"),
        ("dev", (*ON, "assistant.host=studio.localhost"), "assistant.host"),
    ],
    ids=["alb-needs-a-host", "under-api", "talk", "studio-host"],
)
def test_route_rules_refuse(stack: str, sets: tuple[str, ...], key: str) -> None:
    _, problems = validate(stack_input(stack, *sets).plain)
    assert any(p.startswith(f"rasa-studio:{key}:") for p in problems), problems


def test_route_rules_accept_the_working_shapes() -> None:
    for stack, sets in (("prod", PROD), ("dev", DEV), ("dev", (*ON, "assistant.path=/apis"))):
        config, problems = validate(stack_input(stack, *sets).plain)
        assert config is not None, problems


def test_its_own_host_on_a_created_https_gateway_gets_a_certificate_and_a_redirect() -> None:
    run = run_stack("dev", *DEV_EMBEDDED, "studio.tls.enabled=true", "studio.tls.clusterIssuer=letsencrypt")
    gateway = find(run, "Gateway", "studio")
    listeners = {x["name"]: x for x in gateway["spec"]["listeners"]}
    assert listeners["assistant"]["protocol"] == "HTTPS" and listeners["assistant"]["port"] == 443
    (certificate,) = listeners["assistant"]["tls"]["certificateRefs"]
    # cert-manager's gateway-shim issues one certificate per listener host, into its own Secret.
    assert (
        certificate["name"]
        == "studio-tls-assistant-localhost"
        != listeners["https"]["tls"]["certificateRefs"][0]["name"]
    )
    assert listeners["assistant-http-redirect"]["port"] == 80
    redirect = find(run, "HTTPRoute", "rasa-https-redirect")["spec"]
    assert redirect["hostnames"] == ["assistant.localhost"]
    assert redirect["parentRefs"][0]["sectionName"] == "assistant-http-redirect"
    assert find(run, "HTTPRoute", "rasa")["spec"]["parentRefs"][0]["sectionName"] == "assistant"
    assert [e for o in (gateway, find(run, "HTTPRoute", "rasa-https-redirect")) for e in crd_schema.errors(o)] == []


def test_the_opt_in_read_only_root_leaves_rasa_a_writable_working_directory() -> None:
    run = run_stack("dev", *ON, "assistant.securityContext.readOnlyRootFilesystem=true")
    container = rasa(run)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["workingDir"] == "/tmp"
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp", "/etc/rasa"}
    assert "workingDir" not in rasa(run_stack("dev", *ON))


# Rasa Pro's persistor (rasa/core/persistor.py, `Persistor.retrieve`), read in the rasa-pro wheels
# on PyPI: these download only the file name of `--model`, from the bucket's root ...
ROOT_ONLY = ("3.10.4-latest", "3.11.0", "3.11.13", "3.12.0.dev7", "3.12.12")
# ... these the whole key.
WHOLE_KEY = ("3.11.14", "3.12.13", "3.13.0", "3.16.2-latest")


@pytest.mark.parametrize("tag", ROOT_ONLY + WHOLE_KEY)
def test_a_model_in_a_folder_needs_a_rasa_pro_that_reads_whole_keys(tag: str) -> None:
    folder = (*ON, "assistant.model.path=models/support-bot.tar.gz", f"assistant.image.tag={tag}")
    _, problems = validate(stack_input("dev", *folder).plain)
    refused = [p for p in problems if p.startswith("rasa-studio:assistant.model.path:")]
    assert bool(refused) == (tag in ROOT_ONLY), problems
    if refused:
        assert "support-bot.tar.gz" in refused[0] and tag in refused[0]
    # The bucket's top level works with every release; so does a tag without a version to compare.
    for sets in ((*ON, f"assistant.image.tag={tag}"), (*folder, "assistant.image.tag=my-build")):
        config, problems = validate(stack_input("dev", *sets).plain)
        assert config is not None, problems


def test_the_default_rasa_pro_of_each_studio_decides_too() -> None:
    """Without assistant.image the model service's Rasa Pro runs the model: Studio 1.12's 3.12.5, 1.17's 3.16.2."""
    folder = (*ON, "assistant.model.path=models/support-bot.tar.gz", "modelService.architecture=embedded")
    _, problems = validate(stack_input("dev", *folder, "studio.version=1.12.0").plain)
    assert any(p.startswith("rasa-studio:assistant.model.path:") and "3.12.5" in p for p in problems), problems
    config, problems = validate(stack_input("dev", *folder, *EMBEDDED).plain)
    assert config is not None, problems


def test_browsers_of_other_origins_are_let_in_only_when_named() -> None:
    """Rasa answers cross-origin requests (REST, Socket.IO's polling) for the origins `--cors` names
    (rasa/server.py configure_cors), with or without its API: none by default, stricter than the chart's `*`."""
    assert "--cors" not in rasa(run_stack("dev", *DEV))["args"]
    given = rasa(run_stack("prod", *PROD))["args"]
    assert given[given.index("--cors") :] == ["--cors", "https://www.example.com"]
    for origin in ("https://www.example.com/chat", "www.example.com", "ftp://example.com", ""):
        _, problems = validate(stack_input("dev", *ON, f"assistant.cors=[{json.dumps(origin)}]").plain)
        assert any(p.startswith("rasa-studio:assistant.cors.0:") for p in problems), (origin, problems)
    config, problems = validate(stack_input("dev", *ON, 'assistant.cors=["*", "http://localhost:3000"]').plain)
    assert config is not None, problems


def test_socketio_sessions_stick_to_their_pod_behind_an_ingress() -> None:
    """Socket.IO's long-polling needs every request of a session on the pod that opened it
    (socket.io/docs/v4/using-multiple-nodes): the ALB's cookie stickiness, ingress-nginx's cookie
    affinity, whose cookie path must be set when the Ingress path is a regex (ingress-nginx docs)."""
    alb = find(run_stack("prod", *PROD), "Ingress", "rasa")["metadata"]["annotations"]
    attributes = dict(a.split("=") for a in alb["alb.ingress.kubernetes.io/target-group-attributes"].split(","))
    assert attributes["stickiness.enabled"] == "true" and attributes["stickiness.type"] == "lb_cookie"
    # The ALB takes 1 second to 7 days.
    assert 1 <= int(attributes["stickiness.lb_cookie.duration_seconds"]) <= 7 * 86400
    nginx = find(run_stack("dev", *ON, "studio.exposure=ingress", "studio.gateway=null"), "Ingress", "rasa")
    annotations = nginx["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-path"] == "/assistant"
    # Studio's own Ingresses on that host keep no affinity of their own.
    studio = find(run_stack("dev", *ON, "studio.exposure=ingress", "studio.gateway=null"), "Ingress", "studio")
    assert "nginx.ingress.kubernetes.io/affinity" not in studio["metadata"].get("annotations", {})


def test_a_slow_model_load_is_not_killed_by_the_liveness_probe() -> None:
    """Rasa serves GET / only after loading the model (rasa/core/run.py, `before_server_start`); the
    kubelet runs liveness only after the startup probe passes (Kubernetes, "Configure Liveness,
    Readiness and Startup Probes"), so the load gets the startup probe's budget, not liveness's."""
    container = rasa(run_stack("dev", *DEV))

    def budget(probe: dict[str, Any]) -> int:
        return int(probe["initialDelaySeconds"]) + int(probe["periodSeconds"]) * int(probe["failureThreshold"])

    startup, liveness = container["startupProbe"], container["livenessProbe"]
    assert startup["httpGet"] == liveness["httpGet"] == {"path": "/", "port": 5005}
    assert budget(liveness) == 105 and 5 * 60 <= budget(startup) < 600  # Deployment progressDeadlineSeconds
