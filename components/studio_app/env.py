"""Environment variables of the Studio containers, as pure functions of config and interfaces.

Names and values follow the Studio chart (RasaHQ/rasa-helm-charts charts/studio/templates/studio/_env.tpl, chart 2.6.0; RasaHQ/rasa-helm-charts charts/studio 1.2.6 for the orchestrated
model services). Every password is a secretKeyRef; no function here ever sees a secret value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.base import version_tuple
from config.model_service import ModelServiceConfig
from config.studio import StudioConfig

from .. import names
from ..interfaces import Database, Kafka, SecretRef
from ..requirements import EVENTS_DLQ_TOPIC, EVENTS_TOPIC, KEYCLOAK_DATABASE, STUDIO_DATABASE
from ..workload import env_secret, env_value

# Keycloak realm, clients and users the backend provisions (RasaHQ/rasa-helm-charts charts/studio/values.yaml `config.keycloak`, chart 2.6.0).

# The database the migration connects to when it creates the keycloak database.
DEFAULT_DATABASE_CONNECTION = "postgres"

# Where event ingestion finds the broker's CA certificate (chart README example paths).
KAFKA_CERT_DIR = "/etc/ssl/kafka"
KAFKA_CA_FILE = f"{KAFKA_CERT_DIR}/ca.crt"

# Studio images before 1.14 (charts <= 2.1.9) read the database from DATABASE_URL
# (https://rasa.com/docs/studio/installation/installation-guides/helm-guide; charts/studio 2.2 dropped it, RasaHQ/rasa-helm-charts#238).
DATABASE_URL_UNTIL = (1, 14, 0)

Env = list[core.EnvVarArgs]


def _secret(name: str, ref: SecretRef) -> core.EnvVarArgs:
    return env_secret(name, ref.name, ref.key)


def _concat(*parts: pulumi.Input[str]) -> pulumi.Input[str]:
    """Plain text when every part is known now (pure tests), an Output otherwise."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)  # type: ignore[arg-type]
    return pulumi.Output.concat(*parts)


def needs_database_url(studio_version: str) -> bool:
    return version_tuple(studio_version) < DATABASE_URL_UNTIL


def database_env(db: Database, *, database_url: bool) -> Env:
    """DB_* of the backend, the migration and event ingestion (the `studio` database)."""
    env = [
        env_value("DB_USER", db.username),
        _secret("DB_PASS", db.password),
        env_value("DB_HOST", db.host),
        env_value("DB_PORT", str(db.port)),
        env_value("DB_NAME", STUDIO_DATABASE),
        env_value("DB_QUERY", db.query),
    ]
    if database_url:
        # Kubernetes expands $(VAR) from the variables above when it starts the container, so
        # the password stays in the Secret. Generated passwords are alphanumeric; a user-given
        # one with URL-special characters must be percent-encoded
        # (https://rasa.com/docs/studio/installation/installation-guides/helm-guide).
        url = "postgresql://$(DB_USER):$(DB_PASS)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)"
        env.append(env_value("DATABASE_URL", f"{url}?$(DB_QUERY)" if db.query else url))
    return env


def keycloak_database_url(db: Database) -> pulumi.Input[str]:
    return _concat("jdbc:postgresql://", db.host, ":", str(db.port), "/", KEYCLOAK_DATABASE)


def keycloak_database_env(db: Database) -> Env:
    """KC_DB_*: Keycloak's own database on the same server, same user."""
    return [
        env_value("KC_DB_USERNAME", db.username),
        _secret("KC_DB_PASSWORD", db.password),
        env_value("KC_DB_URL", keycloak_database_url(db)),
    ]


def migration_env(db: Database, *, database_url: bool, keycloak_in_cluster: bool = True) -> Env:
    return [
        *database_env(db, database_url=database_url),
        # An external Keycloak keeps its own database: none to create here.
        *(keycloak_database_env(db) if keycloak_in_cluster else []),
        env_value("DB_SSL", "true" if db.prefer_ssl else "false"),
        # Chart default: empty, the image's own choice.
        env_value("DB_REJECT_UNAUTHORIZED", ""),
        # A backing service that already created the keycloak database must not see the
        # migration try again; otherwise the migration creates it (chart default).
        env_value("SKIP_KEYCLOAK", "true" if db.databases_created or not keycloak_in_cluster else "false"),
        env_value("KC_DEFAULT_DATABASE_CONNECTION_NAME", DEFAULT_DATABASE_CONNECTION),
    ]


def keycloak_admin_env(admin_username: str, admin_password: SecretRef) -> Env:
    return [
        env_value("KEYCLOAK_ADMIN", admin_username),
        env_value("KEYCLOAK_ADMIN_USERNAME", admin_username),
        _secret("KEYCLOAK_ADMIN_PASSWORD", admin_password),
    ]


def keycloak_env(db: Database, admin_username: str, admin_password: SecretRef) -> Env:
    return [
        *keycloak_admin_env(admin_username, admin_password),
        *keycloak_database_env(db),
        # Plain HTTP behind the TLS-terminating ingress, trusting its X-Forwarded-* headers.
        # The legacy KC_PROXY=edge is deprecated (removed in Keycloak 26) and left out.
        env_value("KC_HTTP_ENABLED", "true"),
        env_value("KC_PROXY_HEADERS", "xforwarded"),
    ]


def model_service_env(model_service: ModelServiceConfig, namespace: str) -> Env:
    """How the backend reaches the model services of the chosen architecture."""
    if model_service.architecture == "orchestrated":
        # Legacy chart (RasaHQ/rasa-helm-charts charts/studio 1.2.6): two orchestrators, and the Rasa Pro image the
        # consumers' training and running Jobs use.
        return [
            env_value("MTS_API_URL", f"http://{names.MODEL_TRAINING_SERVICE}.{namespace}:{names.MODEL_TRAINING_PORT}"),
            env_value("MRS_API_URL", f"http://{names.MODEL_RUNNING_SERVICE}.{namespace}:{names.MODEL_RUNNING_PORT}"),
            env_value("MODEL_TRAINING_MOCK_ENABLED", "false"),
            env_value("MODEL_RUNNING_MOCK_ENABLED", "false"),
            env_value("DOCKER_IMAGE_TAG", model_service.rasa_pro.image),
        ]
    return [env_value("MS_API_URL", f"http://{names.MODEL_SERVICE}")]


def backend_env(
    studio: StudioConfig,
    model_service: ModelServiceConfig,
    namespace: str,
    db: Database,
    *,
    admin_password: SecretRef,
    api_password: SecretRef,
) -> Env:
    backend = studio.backend
    retention = backend.conversation_retention
    older_than = retention.delete_older_than_hours
    return [
        *database_env(db, database_url=needs_database_url(studio.version)),
        *keycloak_admin_env(studio.keycloak.admin_username, admin_password),
        # In-cluster, plain http, as the chart does: the backend never goes out through the ingress.
        env_value("KEYCLOAK_URL", names.keycloak_url(studio.keycloak.external_url)),
        env_value("KEYCLOAK_REALM", studio.keycloak.realm),
        env_value("KEYCLOAK_CLIENT_ID", studio.keycloak.client_id),
        env_value("KEYCLOAK_API_CLIENT_ID", studio.keycloak.api_client_id),
        env_value("KEYCLOAK_API_USERNAME", studio.keycloak.api_username),
        _secret("KEYCLOAK_API_PASSWORD", api_password),
        env_value("KEYCLOAK_API_GRANT_TYPE", "password"),
        env_value("WEB_CLIENT_URL", studio.url),
        env_value("API_URL", f"{studio.url}/api"),
        *model_service_env(model_service, namespace),
        # Empty disables the deletion (chart default).
        env_value("DELETE_CONVERSATIONS_OLDER_THAN_HOURS", "" if older_than is None else str(older_than)),
        env_value("DELETE_CONVERSATIONS_CRON_EXPRESSION", retention.cron_expression),
        env_value("TRAINING_POLLING_INTERVAL_MS", str(backend.polling.training_interval_ms)),
        env_value("MODEL_POLLING_INTERVAL_MS", str(backend.polling.model_interval_ms)),
        env_value("MODEL_INACTIVE_AFTER_MS", str(backend.polling.model_inactive_after_ms)),
    ]


def kafka_env(kafka: Kafka, *, client_id: str, group_id: str) -> Env:
    """KAFKA_* of event ingestion. KAFKA_BROKER_ADDRESS, not the chart README's
    KAFKA_BOOTSTRAP_SERVERS: values.yaml, the playbooks and compose all use it
    (RasaHQ/rasa-helm-charts charts/studio/values.yaml, RasaHQ/rasa-deployment-playbooks, RasaHQ/studio-docker-compose)."""
    env = [
        env_value("KAFKA_CLIENT_ID", client_id),
        env_value("KAFKA_BROKER_ADDRESS", kafka.bootstrap_servers),
        # The same constants Kafka creates its topics from, so the two can never drift apart.
        env_value("KAFKA_TOPIC", EVENTS_TOPIC),
        env_value("KAFKA_DLQ_TOPIC", EVENTS_DLQ_TOPIC),
        env_value("KAFKA_GROUP_ID", group_id),
    ]
    if kafka.security_protocol.startswith("SASL_") and kafka.sasl_mechanism is not None:
        if kafka.username is None or kafka.password is None:
            raise ValueError("a SASL Kafka must provide a username and a password Secret reference")
        env += [
            env_value("KAFKA_SASL_MECHANISM", kafka.sasl_mechanism),
            env_value("KAFKA_SASL_USERNAME", kafka.username),
            _secret("KAFKA_SASL_PASSWORD", kafka.password),
        ]
    env.append(env_value("KAFKA_ENABLE_SSL", "true" if kafka.tls else "false"))
    if kafka.tls:
        # Always verify the brokers; NODE_TLS_REJECT_UNAUTHORIZED is never relaxed.
        env.append(env_value("KAFKA_REJECT_UNAUTHORIZED", "true"))
        if kafka.ca_secret is not None:
            env += [env_value("KAFKA_CUSTOM_SSL", "true"), env_value("KAFKA_CA_FILE", KAFKA_CA_FILE)]
    return env


def event_ingestion_env(studio: StudioConfig, db: Database, kafka: Kafka) -> Env:
    ingestion = studio.event_ingestion
    return [
        *database_env(db, database_url=needs_database_url(studio.version)),
        *kafka_env(kafka, client_id=ingestion.kafka_client_id, group_id=ingestion.kafka_group_id),
    ]


def names_of(env: Sequence[core.EnvVarArgs]) -> list[str]:
    return [e.name for e in env]  # type: ignore[misc]
