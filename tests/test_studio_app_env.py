"""Pure builders of the Studio containers: env lists, config.js, images, migration identity."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi_kubernetes.core import v1 as core

from components.interfaces import Database, Kafka, SecretRef
from components.kafka_ca import kafka_ca as kafka_tls_volumes
from components.model_service import env as rasa_env
from components.studio_app import defaults as d
from components.studio_app.env import (
    backend_env,
    database_env,
    kafka_env,
    keycloak_database_url,
    migration_env,
    model_service_env,
    names_of,
    needs_database_url,
)
from components.studio_app.ingress import ingress_annotations, tls_secret_name
from components.studio_app.migration import job_suffix
from components.studio_app.paths import studio_paths
from components.studio_app.webconfig import checksum, config_js
from config import validate
from config.versions import contract_for

DB_PASSWORD = SecretRef("studio-secrets", "DATABASE_PASSWORD")
KAFKA_PASSWORD = SecretRef("studio-secrets", "KAFKA_SASL_PASSWORD")
DATABASE_URL = SecretRef("studio-database-url", "DATABASE_URL")
V1_7 = contract_for("1.7.0")
V1_17 = contract_for("1.17.0")


def config(**studio: Any) -> Any:
    version = studio.get("version", "1.7.0")
    raw = {
        "environment": "dev",
        "studio": {"host": "studio.example.com", "version": "1.7.0", **studio},
        "modelService": {"architecture": contract_for(version).architecture},
    }
    found, problems = validate(raw)
    assert not problems, problems
    return found


def database(**changes: Any) -> Database:
    fields: dict[str, Any] = dict(
        host="db.example.com",
        port=5432,
        username="studio",
        password=DB_PASSWORD,
        query="sslmode=require",
        prefer_ssl=True,
    )
    return Database(**{**fields, **changes})


def kafka(protocol: str = "SASL_SSL", mechanism: str | None = "SCRAM-SHA-512", ca: str | None = None) -> Kafka:
    sasl = protocol.startswith("SASL_")
    return Kafka(
        bootstrap_servers="b-1:9096,b-2:9096",
        security_protocol=protocol,  # type: ignore[arg-type]
        sasl_mechanism=mechanism if sasl else None,  # type: ignore[arg-type]
        username="studio" if sasl else None,
        password=KAFKA_PASSWORD if sasl else None,
        ca_secret=ca,
    )


def values(env: list[Any]) -> dict[str, Any]:
    return {e.name: e.value for e in env if e.value_from is None}


def secrets(env: list[Any]) -> dict[str, tuple[str, str]]:
    return {
        e.name: (e.value_from.secret_key_ref.name, e.value_from.secret_key_ref.key)
        for e in env
        if e.value_from is not None
    }


# --- config.js --------------------------------------------------------------------------------


def test_config_js_is_exactly_the_charts_content() -> None:
    # RasaHQ/rasa-helm-charts@f7ef5c9 (chart 1.2.6) templates/studio/web-client/configmap.yaml.
    assert config_js(config().studio, "1.7.0") == (
        'window.API_ENDPOINT = "http://studio.example.com/api";\n'
        'window.KEYCLOAK_URL = "http://studio.example.com/auth";\n'
        'window.KEYCLOAK_REALM = "rasa-studio";\n'
        'window.KEYCLOAK_CLIENT_ID = "rasa-studio-backend";\n'
        "window.VERSION_CONTROL_ENABLED = false;\n"
        "window.CMS_RESPONSES_ENABLED = false;\n"
        "window.STUDIO_INSPECTOR_ENABLED = false;\n"
        'window.CURRENT_VERSION_NUMBER = "1.7.0";\n'
    )
    # Chart 2.6.0 (9950890), the same template.
    assert config_js(config(version="1.17.0-latest").studio, "1.17.0-latest") == (
        'window.API_ENDPOINT = "http://studio.example.com/api";\n'
        'window.KEYCLOAK_URL = "http://studio.example.com/auth";\n'
        'window.KEYCLOAK_REALM = "rasa-studio";\n'
        'window.KEYCLOAK_CLIENT_ID = "rasa-studio-backend";\n'
        "window.VOICE_INSPECTOR_ENABLED = false;\n"
        "window.SILENCE_TIMEOUT_ENABLED = false;\n"
        "window.EDIT_SYSTEM_RESPONSES_ENABLED = false;\n"
        'window.CURRENT_VERSION_NUMBER = "1.17.0-latest";\n'
    )


def test_config_js_uses_https_with_tls_and_quotes_enabled_flags() -> None:
    studio = config(
        version="1.12.2",
        tls={"enabled": True, "secretName": "cert"},
        webClient={"features": {"silenceTimeout": True, "editSystemResponses": True}},
    ).studio
    content = config_js(studio, "1.12.2")
    assert 'window.API_ENDPOINT = "https://studio.example.com/api";' in content
    assert 'window.SILENCE_TIMEOUT_ENABLED = "true";' in content
    assert 'window.EDIT_SYSTEM_RESPONSES_ENABLED = "true";' in content
    assert "window.VOICE_INSPECTOR_ENABLED = false;" in content
    assert checksum(content) != checksum(config_js(studio, "1.12.3"))
    assert len(checksum(content)) == 64


# --- images -----------------------------------------------------------------------------------


def test_images_share_the_studio_tag_unless_a_component_overrides_it() -> None:
    # A mirror with its own pull Secret (Rasa's key would be the wrong one there).
    pull = {"name": "mirror", "create": False}
    studio = config(registry="registry.example.com/rasa", pullSecret=pull, keycloak={"version": "1.7.0-kc2"}).studio
    assert d.image(studio, "backend").ref == "registry.example.com/rasa/studio-backend:1.7.0"
    assert d.image(studio, "keycloak").ref == "registry.example.com/rasa/studio-keycloak:1.7.0-kc2"
    assert d.image(studio, "database-migration").tag == "1.7.0"


@given(
    st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
    st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
)
def test_the_migration_identity_changes_with_the_image_and_only_with_it(a: str, b: str) -> None:
    ref = "registry/studio-database-migration:{}".format
    assert job_suffix(ref(a)) == job_suffix(ref(a))
    assert (job_suffix(ref(a)) == job_suffix(ref(b))) == (a == b)
    assert len(job_suffix(ref(a))) == 8


# --- database ---------------------------------------------------------------------------------


def test_database_env_keeps_the_password_in_the_secret() -> None:
    env = database_env(database(), V1_17, None)
    assert names_of(env) == ["DB_USER", "DB_PASS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_QUERY"]
    assert secrets(env) == {"DB_PASS": ("studio-secrets", "DATABASE_PASSWORD")}
    assert values(env)["DB_QUERY"] == "sslmode=require"


def test_old_studio_versions_read_a_prepared_database_url_from_a_secret() -> None:
    env = database_env(database(), V1_7, DATABASE_URL)
    assert names_of(env) == ["DATABASE_URL"]
    assert secrets(env) == {"DATABASE_URL": ("studio-database-url", "DATABASE_URL")}
    with pytest.raises(ValueError, match="DATABASE_URL"):
        database_env(database(), V1_7, None)
    assert needs_database_url("1.7.0") and needs_database_url("1.13.0")
    assert not needs_database_url("1.14.1-latest") and not needs_database_url("1.17.0-latest")


@pytest.mark.parametrize(("created", "skip"), [(True, "true"), (False, "false")])
def test_migration_skips_creating_keycloaks_database_when_the_backing_service_did(created: bool, skip: str) -> None:
    env = migration_env(database(databases_created=created), V1_17, None)
    assert values(env)["SKIP_KEYCLOAK"] == skip
    assert values(env)["DB_SSL"] == "true"
    assert values(env)["KC_DB_URL"] == "jdbc:postgresql://db.example.com:5432/keycloak"
    assert secrets(env) == {
        "DB_PASS": ("studio-secrets", "DATABASE_PASSWORD"),
        "KC_DB_PASSWORD": ("studio-secrets", "DATABASE_PASSWORD"),
    }


@pytest.mark.parametrize("created", [True, False])
def test_skip_keycloak_follows_the_chart_release(created: bool) -> None:
    db = database(databases_created=created)
    # Chart 1.2.6 has no SKIP_KEYCLOAK; 2.0.10 sets it only to skip; 2.1.4 always renders it.
    assert "SKIP_KEYCLOAK" not in names_of(migration_env(db, V1_7, DATABASE_URL))
    assert ("SKIP_KEYCLOAK" in names_of(migration_env(db, contract_for("1.12.0"), DATABASE_URL))) == created
    assert "SKIP_KEYCLOAK" in names_of(migration_env(db, contract_for("1.12.2"), DATABASE_URL))


@pulumi.runtime.test
def test_keycloak_database_url_accepts_an_output_host(mocks: Any) -> Any:
    url = keycloak_database_url(database(host=pulumi.Output.from_input("rds.example.com")))
    assert isinstance(url, pulumi.Output)
    return url.apply(lambda u: assert_equal(u, "jdbc:postgresql://rds.example.com:5432/keycloak"))


def assert_equal(found: str, expected: str) -> None:
    assert found == expected


# --- backend ----------------------------------------------------------------------------------


def test_model_service_urls_per_architecture() -> None:
    orchestrated = config().model_service
    assert values(model_service_env(orchestrated, "ns", V1_7)) == {
        "MTS_API_URL": "http://model-training-service.ns:8000",
        "MRS_API_URL": "http://model-running-service.ns:8001",
        "MODEL_TRAINING_MOCK_ENABLED": "false",
        "MODEL_RUNNING_MOCK_ENABLED": "false",
        "DOCKER_IMAGE_TAG": "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro:3.10.4-latest",
    }
    raw = {
        "environment": "dev",
        "studio": {"host": "s.example.com", "version": "1.17.0"},
        "modelService": {"architecture": "embedded"},
    }
    embedded, problems = validate(raw)
    assert not problems and embedded is not None
    assert values(model_service_env(embedded.model_service, "ns", V1_17)) == {"MS_API_URL": "http://rasapro"}
    # Charts 2.0.0-2.0.2 (Studio 1.10.0) named the namespace and port.
    assert values(model_service_env(embedded.model_service, "ns", contract_for("1.10.0"))) == {
        "MS_API_URL": "http://rasapro.ns:80"
    }


def test_backend_env_has_unique_names_and_only_secret_passwords() -> None:
    cfg = config(backend={"conversationRetention": {"deleteOlderThanHours": 48, "cronExpression": "*/15 * * * *"}})
    env = backend_env(
        cfg.studio,
        cfg.model_service,
        "ns",
        database(),
        admin_password=SecretRef("studio-secrets", "KEYCLOAK_ADMIN_PASSWORD"),
        api_password=SecretRef("studio-secrets", "KEYCLOAK_API_PASSWORD"),
        database_url=DATABASE_URL,
    )
    assert len(names_of(env)) == len(set(names_of(env)))
    assert set(secrets(env)) == {"DATABASE_URL", "KEYCLOAK_ADMIN_PASSWORD", "KEYCLOAK_API_PASSWORD"}
    assert values(env)["DELETE_CONVERSATIONS_OLDER_THAN_HOURS"] == "48"
    assert values(env)["DELETE_CONVERSATIONS_CRON_EXPRESSION"] == "*/15 * * * *"
    assert values(env)["TRAINING_POLLING_INTERVAL_MS"] == "1000"


@pytest.mark.parametrize("cron", ["hourly", "0 * * *", ""])
def test_a_bad_cron_expression_is_refused_by_key(cron: str) -> None:
    raw = {
        "environment": "dev",
        "studio": {
            "host": "s.example.com",
            "version": "1.7.0",
            "backend": {"conversationRetention": {"cronExpression": cron}},
        },
    }
    _, problems = validate(raw)
    assert any("studio.backend.conversationRetention.cronExpression" in p for p in problems), problems


# --- kafka ------------------------------------------------------------------------------------


def test_plaintext_kafka_has_no_sasl_and_no_tls() -> None:
    env = kafka_env(kafka("PLAINTEXT"), client_id="c", group_id="g", sasl_password=KAFKA_PASSWORD)
    # The chart's order: KAFKA_CLIENT_ID, then its values map sorted (chart 1.2.6
    # templates/studio/event-ingestion/deployment.yaml, values.yaml eventIngestion).
    assert names_of(env) == [
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
    ]
    # Empty as in the chart, never "false": a truthiness check would read "false" as on.
    assert values(env)["KAFKA_ENABLE_SSL"] is None
    assert values(env)["KAFKA_SASL_MECHANISM"] is None
    assert kafka_tls_volumes(kafka("PLAINTEXT")) == ([], [])


def test_sasl_ssl_kafka_with_a_private_ca_mounts_the_ca() -> None:
    k = kafka("SASL_SSL", "SCRAM-SHA-512", ca="kafka-ca")
    env = kafka_env(k, client_id="c", group_id="g", sasl_password=KAFKA_PASSWORD)
    assert values(env)["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert values(env)["KAFKA_ENABLE_SSL"] == "true"
    assert values(env)["KAFKA_CA_FILE"] == "/etc/ssl/kafka/ca.crt"
    assert secrets(env) == {"KAFKA_SASL_PASSWORD": ("studio-secrets", "KAFKA_SASL_PASSWORD")}
    (volume,), (mount,) = kafka_tls_volumes(k)
    assert isinstance(volume.secret, core.SecretVolumeSourceArgs)
    assert volume.secret.secret_name == "kafka-ca"
    assert mount.mount_path == "/etc/ssl/kafka" and mount.read_only


@given(
    st.sampled_from(["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"]),
    st.sampled_from(["plain", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
    st.one_of(st.none(), st.just("kafka-ca")),
)
def test_kafka_env_is_consistent_for_every_protocol(protocol: str, mechanism: str, ca: str | None) -> None:
    k = kafka(protocol, mechanism, ca)
    env = kafka_env(k, client_id="c", group_id="g", sasl_password=KAFKA_PASSWORD)
    found = values(env)
    assert len(names_of(env)) == len(set(names_of(env)))
    assert found["KAFKA_TOPIC"] == "rasa-events" and found["KAFKA_DLQ_TOPIC"] == "rasa-events-dlq"
    assert (found["KAFKA_SASL_MECHANISM"] is not None) == protocol.startswith("SASL_")
    assert set(secrets(env)) == {"KAFKA_SASL_PASSWORD"}
    assert found["KAFKA_ENABLE_SSL"] == ("true" if "SSL" in protocol else None)
    assert (found["KAFKA_CA_FILE"] is not None) == bool(ca and "SSL" in protocol)
    assert bool(kafka_tls_volumes(k)[0]) == (found["KAFKA_CA_FILE"] is not None)
    # The model services follow the same rule (they once mounted the CA without TLS too).
    rasa = {e.name: e.value for e in rasa_env.kafka_env(k, "kafka-secret")}
    assert rasa["KAFKA_SSL_CA_LOCATION"] == (found["KAFKA_CA_FILE"] or "")


# --- ingress ----------------------------------------------------------------------------------


def test_tls_secret_name() -> None:
    assert tls_secret_name(config().studio) is None
    assert tls_secret_name(config(tls={"enabled": True, "clusterIssuer": "le"}).studio) == "studio-tls"
    assert tls_secret_name(config(tls={"enabled": True, "secretName": "mine"}).studio) == "mine"


def test_only_the_ingress_that_issues_asks_for_a_certificate() -> None:
    studio = config(tls={"enabled": True, "clusterIssuer": "le"}).studio
    web, _, _, talk = studio_paths("orchestrated")
    assert ingress_annotations(studio, web, issues_certificate=True) == {"cert-manager.io/cluster-issuer": "le"}
    assert "cert-manager.io/cluster-issuer" not in ingress_annotations(studio, talk)
