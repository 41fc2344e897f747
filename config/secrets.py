"""Secret stack config: values that only ever travel as Pulumi secrets.

They are top-level keys set with `pulumi config set --secret`, never part of the plain
config models, so they cannot end up in logs, plans or rendered manifests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class SecretSpec:
    key: str
    description: str
    example: str


RASA_PRO_LICENSE = SecretSpec("rasaProLicense", "the Rasa Pro license key", "'<license key>'")
OPENAI_API_KEY = SecretSpec("openaiApiKey", "the OpenAI API key the assistants use", "'sk-...'")
REGISTRY_PASSWORD = SecretSpec(
    "registryPassword", "the password (GAR: service-account JSON key) of Rasa's image registry", "< key.json"
)
# Passwords Studio owns: generated and kept stable unless the user sets them or raises their
# counter (config/rotation.py).
DATABASE_PASSWORD = SecretSpec("databasePassword", "the Studio database user's password", "'<password>'")
KEYCLOAK_ADMIN_PASSWORD = SecretSpec("keycloakAdminPassword", "the Keycloak admin (kcadmin) password", "'<password>'")
KEYCLOAK_API_PASSWORD = SecretSpec("keycloakApiPassword", "the Keycloak API user (realmadmin) password", "'<password>'")
KAFKA_PASSWORD = SecretSpec("kafkaPassword", "the Kafka SASL password of the Studio user", "'<password>'")
# The provider's kubeconfig as contents, not a path: CI and the cluster's own stack hand it over
# without a file on the machine. A secret, since a kubeconfig may carry tokens or client keys.
KUBECONFIG = SecretSpec(
    "kubeconfig",
    "the kubeconfig's contents the Kubernetes provider uses (instead of `kubernetes.kubeconfig`)",
    "< kubeconfig.yaml",
)

ALL = (
    RASA_PRO_LICENSE,
    OPENAI_API_KEY,
    REGISTRY_PASSWORD,
    DATABASE_PASSWORD,
    KEYCLOAK_ADMIN_PASSWORD,
    KEYCLOAK_API_PASSWORD,
    KAFKA_PASSWORD,
    KUBECONFIG,
)
KEYS = frozenset(s.key for s in ALL)


# The in-cluster broker formats the Studio user with `kafka-storage format --add-scram
# 'SCRAM-SHA-512=[name=studio,password=...]'`, which splits at ',' (and, before Kafka 3.9, at
# brackets) and strips surrounding quotes; clients put the password into a quoted JAAS value
# inside a Java properties file (ISO-8859-1, backslash escapes). See components/backing/kafka_in_cluster.py.
SCRAM_UNSAFE = frozenset(',[]"\\')


def kafka_password_problem(value: str) -> str | None:
    """Why the in-cluster broker cannot take this kafkaPassword, or None. Never echoes the value."""
    # Names the forbidden characters, not the ones found: nothing of the value is shown.
    if set(value) & SCRAM_UNSAFE:
        return (
            "must not contain any of , [ ] \" \\: the in-cluster broker's SCRAM bootstrap "
            "(kafka-storage --add-scram) and the clients' JAAS line cannot carry them"
        )
    if not all(" " <= c <= "~" for c in value):
        return "must be printable ASCII: Kafka reads it from a properties file (ISO-8859-1)"
    if value != value.strip():
        return "must not start or end with a space"
    if not value:
        return "must not be empty"
    return None


def set_command(spec: SecretSpec, stack: str) -> str:
    return f"pulumi config set --secret --stack {stack} {spec.key} {spec.example}"


@dataclass(frozen=True)
class Secrets:
    """Secret values as Outputs; None where the user left an optional one unset."""

    rasa_pro_license: pulumi.Output[str]
    openai_api_key: pulumi.Output[str] | None
    registry_password: pulumi.Output[str] | None
    database_password: pulumi.Output[str] | None
    keycloak_admin_password: pulumi.Output[str] | None
    keycloak_api_password: pulumi.Output[str] | None
    kafka_password: pulumi.Output[str] | None
    kubeconfig: pulumi.Output[str] | None = None
