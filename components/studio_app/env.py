"""Environment variables of the Studio containers, as pure functions of config and interfaces.

Names, order and values follow the Studio chart at the release of the deployed Studio version
(config/versions.py; RasaHQ/rasa-helm-charts charts/studio/templates/studio/_env.tpl and the
deployment templates beside it). Every password is a secretKeyRef; no function here ever sees a
secret value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

from config.model_service import ModelServiceConfig
from config.studio import StudioConfig
from config.versions import Contract, contract_for

from .. import kafka_ca, names
from ..interfaces import Database, Kafka, SecretRef
from ..requirements import (
    EVENTS_DLQ_TOPIC,
    EVENTS_TOPIC,
    KEYCLOAK_DATABASE,
    MODEL_SERVICE_DATABASE,
    STUDIO_DATABASE,
)
from ..workload import env_secret, env_value

# The database the migration connects to when it creates the keycloak database.
DEFAULT_DATABASE_CONNECTION = "postgres"


Env = list[core.EnvVarArgs]


def _secret(name: str, ref: SecretRef) -> core.EnvVarArgs:
    return env_secret(name, ref.name, ref.key)


def _name_only(name: str) -> core.EnvVarArgs:
    """`- name: X` without a value: what the chart renders for a values entry left empty."""
    return core.EnvVarArgs(name=name)


def _concat(*parts: pulumi.Input[str]) -> pulumi.Input[str]:
    """Plain text when every part is known now (pure tests), an Output otherwise."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)  # type: ignore[arg-type]
    return pulumi.Output.concat(*parts)


def needs_database_url(studio_version: str) -> bool:
    return contract_for(studio_version).database_url


def database_env(db: Database, contract: Contract, url: SecretRef | None) -> Env:
    """How backend, migration and event ingestion reach the `studio` database.

    Until chart 2.1.9 a prepared DATABASE_URL from a Secret; from chart 2.2.0 (d3bab1a,
    templates/studio/_env.tpl) the DB_* parts.
    """
    if contract.database_url:
        if url is None:
            raise ValueError(f"Studio {contract.studio} reads DATABASE_URL: a Secret reference to it is required")
        return [_secret("DATABASE_URL", url)]
    return [
        env_value("DB_USER", db.username),
        _secret("DB_PASS", db.password),
        env_value("DB_HOST", db.host),
        env_value("DB_PORT", str(db.port)),
        env_value("DB_NAME", STUDIO_DATABASE),
        env_value("DB_QUERY", db.query),
    ]


def keycloak_database_url(db: Database) -> pulumi.Input[str]:
    return _concat("jdbc:postgresql://", db.host, ":", str(db.port), "/", KEYCLOAK_DATABASE)


def keycloak_database_env(db: Database) -> Env:
    """KC_DB_*: Keycloak's own database on the same server, same user."""
    return [
        env_value("KC_DB_USERNAME", db.username),
        _secret("KC_DB_PASSWORD", db.password),
        env_value("KC_DB_URL", keycloak_database_url(db)),
    ]


def migration_env(db: Database, contract: Contract, url: SecretRef | None, *, keycloak_in_cluster: bool = True) -> Env:
    """templates/studio/backend/database-migration-job.yaml at the contract's chart release."""
    parts = not contract.database_url
    env = [
        *(database_env(db, contract, url) if parts else []),
        # An external Keycloak keeps its own database: none to create here.
        *(keycloak_database_env(db) if keycloak_in_cluster else []),
        *(database_env(db, contract, url) if not parts else []),
        env_value("DB_SSL", "true" if db.prefer_ssl else "false"),
        # Chart default: empty, the image's own choice.
        env_value("DB_REJECT_UNAUTHORIZED", ""),
    ]
    postgres = {
        "POSTGRES_HOST": env_value("POSTGRES_HOST", db.host),
        "POSTGRES_PORT": env_value("POSTGRES_PORT", str(db.port)),
        "POSTGRES_DATABASE": env_value("POSTGRES_DATABASE", MODEL_SERVICE_DATABASE),
        "POSTGRES_USERNAME": env_value("POSTGRES_USERNAME", db.username),
        "POSTGRES_PASSWORD": _secret("POSTGRES_PASSWORD", db.password),
    }
    env += [postgres[n] for n in contract.migration_postgres]
    if contract.default_database_connection:
        env.append(env_value("KC_DEFAULT_DATABASE_CONNECTION_NAME", DEFAULT_DATABASE_CONNECTION))
    # An external Keycloak (the chart's keycloak.enabled false) or a backing service that already
    # created the keycloak database: the migration must not create it (SKIP_KEYCLOAK=true, as the
    # chart and Rasa's playbooks do); otherwise the chart's default.
    skip = db.databases_created or not keycloak_in_cluster
    if contract.skip_keycloak == "always":
        env.append(env_value("SKIP_KEYCLOAK", "true" if skip else "false"))
    elif contract.skip_keycloak == "when-skipped" and skip:
        env.append(env_value("SKIP_KEYCLOAK", "true"))
    return env


def keycloak_admin_env(admin_username: str, admin_password: SecretRef) -> Env:
    return [
        env_value("KEYCLOAK_ADMIN", admin_username),
        env_value("KEYCLOAK_ADMIN_USERNAME", admin_username),
        _secret("KEYCLOAK_ADMIN_PASSWORD", admin_password),
    ]


def keycloak_env(db: Database, admin_username: str, admin_password: SecretRef, contract: Contract) -> Env:
    """Plain HTTP behind the TLS-terminating ingress, trusting its forwarded headers, with the
    proxy variables of the contract's chart release (values.yaml keycloak.environmentVariables)."""
    return [
        *keycloak_admin_env(admin_username, admin_password),
        *keycloak_database_env(db),
        *(env_value(name, value) for name, value in contract.keycloak_proxy),
    ]


def model_service_env(model_service: ModelServiceConfig, namespace: str, contract: Contract) -> Env:
    """How the backend reaches the model services of the contract's architecture."""
    if contract.architecture == "orchestrated":
        # Chart 1.2.6 templates/studio/backend/deployment.yaml: the two orchestrators, and the
        # Rasa Pro image the consumers' training and running Jobs use.
        return [
            env_value("MODEL_TRAINING_MOCK_ENABLED", "false"),
            env_value("MODEL_RUNNING_MOCK_ENABLED", "false"),
            env_value("MTS_API_URL", f"http://{names.MODEL_TRAINING_SERVICE}.{namespace}:{names.MODEL_TRAINING_PORT}"),
            env_value("MRS_API_URL", f"http://{names.MODEL_RUNNING_SERVICE}.{namespace}:{names.MODEL_RUNNING_PORT}"),
            env_value("DOCKER_IMAGE_TAG", model_service.rasa_pro.image),
        ]
    if contract.ms_api_url_with_namespace:
        return [env_value("MS_API_URL", f"http://{names.MODEL_SERVICE}.{namespace}:{names.SERVICE_PORT}")]
    return [env_value("MS_API_URL", f"http://{names.MODEL_SERVICE}")]


def backend_env(
    studio: StudioConfig,
    model_service: ModelServiceConfig,
    namespace: str,
    db: Database,
    *,
    admin_password: SecretRef,
    api_password: SecretRef,
    database_url: SecretRef | None = None,
) -> Env:
    contract = contract_for(studio.version)
    backend = studio.backend
    retention = backend.conversation_retention
    older_than = retention.delete_older_than_hours
    uses_keycloak = studio.uses_keycloak
    keycloak = [
        env_value("KEYCLOAK_REALM", studio.keycloak.realm),
        *([env_value("KEYCLOAK_CLIENT_ID", studio.keycloak.client_id)] if contract.backend_client_id else []),
        env_value("KEYCLOAK_API_CLIENT_ID", studio.keycloak.api_client_id),
        env_value("KEYCLOAK_API_USERNAME", studio.keycloak.api_username),
        _secret("KEYCLOAK_API_PASSWORD", api_password),
    ]
    return [
        *(database_env(db, contract, database_url) if not contract.database_url else []),
        *(keycloak_admin_env(studio.keycloak.admin_username, admin_password) if uses_keycloak else []),
        # In-cluster, plain http, as the chart does: the backend never goes out through the ingress.
        *([env_value("KEYCLOAK_URL", names.keycloak_url(studio.keycloak.external_url))] if uses_keycloak else []),
        env_value("WEB_CLIENT_URL", studio.path_url("web_client")),
        # API_URL arrived with chart 2.0.0 (e55cc2f templates/studio/backend/deployment.yaml).
        *([env_value("API_URL", studio.path_url("backend", "/api"))] if contract.architecture == "embedded" else []),
        *([env_value("KEYCLOAK_API_GRANT_TYPE", "password")] if uses_keycloak else []),
        *model_service_env(model_service, namespace, contract),
        *(database_env(db, contract, database_url) if contract.database_url else []),
        # Empty disables the deletion (chart default).
        env_value("DELETE_CONVERSATIONS_OLDER_THAN_HOURS", "" if older_than is None else str(older_than)),
        env_value("DELETE_CONVERSATIONS_CRON_EXPRESSION", retention.cron_expression),
        *(keycloak if uses_keycloak else []),
        # Not in the chart: the backend's polling settings with their documented defaults, so
        # an operator can change them (docs/studio-versions.md, "Differences").
        env_value("TRAINING_POLLING_INTERVAL_MS", str(backend.polling.training_interval_ms)),
        env_value("MODEL_POLLING_INTERVAL_MS", str(backend.polling.model_interval_ms)),
        env_value("MODEL_INACTIVE_AFTER_MS", str(backend.polling.model_inactive_after_ms)),
    ]


def kafka_env(kafka: Kafka, *, client_id: str, group_id: str, sasl_password: SecretRef) -> Env:
    """KAFKA_* of event ingestion: every name the chart's values list (rendered in its sorted
    order, templates/studio/event-ingestion/deployment.yaml), empty where the chart leaves it
    empty. `sasl_password` is studio-secrets KAFKA_SASL_PASSWORD, referenced whatever the
    protocol as the chart does, unless the Kafka names its own Secret."""
    sasl = kafka.security_protocol.startswith("SASL_") and kafka.sasl_mechanism is not None
    if sasl and (kafka.username is None or kafka.password is None):
        raise ValueError("a SASL Kafka must provide a username and a password Secret reference")
    custom_ca = kafka_ca.ca_secret(kafka) is not None

    def maybe(name: str, value: pulumi.Input[str] | None) -> core.EnvVarArgs:
        return _name_only(name) if value is None else env_value(name, value)

    return [
        env_value("KAFKA_CLIENT_ID", client_id),
        env_value("KAFKA_BROKER_ADDRESS", kafka.bootstrap_servers),
        maybe("KAFKA_CA_FILE", kafka_ca.FILE if custom_ca else None),
        _name_only("KAFKA_CERT_FILE"),
        maybe("KAFKA_CUSTOM_SSL", "true" if custom_ca else None),
        # The same constants Kafka creates its topics from, so the two can never drift apart.
        env_value("KAFKA_DLQ_TOPIC", EVENTS_DLQ_TOPIC),
        # Empty, not "false", without TLS: the chart leaves it empty and a truthiness check in the
        # image would read any non-empty string as on.
        maybe("KAFKA_ENABLE_SSL", "true" if kafka.tls else None),
        env_value("KAFKA_GROUP_ID", group_id),
        _name_only("KAFKA_KEY_FILE"),
        # Always verify the brokers; NODE_TLS_REJECT_UNAUTHORIZED is never relaxed.
        maybe("KAFKA_REJECT_UNAUTHORIZED", "true" if kafka.tls else None),
        maybe("KAFKA_SASL_MECHANISM", kafka.sasl_mechanism if sasl else None),
        _secret("KAFKA_SASL_PASSWORD", kafka.password if sasl and kafka.password is not None else sasl_password),
        maybe("KAFKA_SASL_USERNAME", kafka.username if sasl else None),
        env_value("KAFKA_TOPIC", EVENTS_TOPIC),
        _name_only("NODE_TLS_REJECT_UNAUTHORIZED"),
    ]


def event_ingestion_env(
    studio: StudioConfig,
    db: Database,
    kafka: Kafka,
    *,
    sasl_password: SecretRef,
    database_url: SecretRef | None = None,
) -> Env:
    """DB_* first from chart 2.2.0 (d3bab1a templates/studio/event-ingestion/deployment.yaml),
    DATABASE_URL right after KAFKA_CLIENT_ID before it."""
    contract = contract_for(studio.version)
    ingestion = studio.event_ingestion
    kafka_vars = kafka_env(
        kafka, client_id=ingestion.kafka_client_id, group_id=ingestion.kafka_group_id, sasl_password=sasl_password
    )
    database = database_env(db, contract, database_url)
    if contract.database_url:
        return [kafka_vars[0], *database, *kafka_vars[1:]]
    return [*database, *kafka_vars]


def names_of(env: Sequence[core.EnvVarArgs]) -> list[str]:
    return [e.name for e in env]  # type: ignore[misc]
