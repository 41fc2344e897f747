"""StudioSecrets: the `studio-secrets` Secret and the registry pull Secret.

Passwords Studio owns are generated once by pulumi-random and stay the same across updates
(a RandomPassword only changes when its own inputs do), unless the user sets them as config
secrets. The Rasa Pro license and the OpenAI key come from config secrets.

Containers only ever reach these values through `ref(key)` (a secretKeyRef); the values
themselves go to the Secret and, where a backing service must know them, to that service.
Kubernetes reads a secretKeyRef when a container starts: pods keep an old value until they
restart, so rotating a password is a rollout, not just a config change.
"""

from __future__ import annotations

import base64
import json

import pulumi
import pulumi_random as random
from pulumi_kubernetes.core import v1 as core

from config.secrets import Secrets

from .context import Context
from .interfaces import SecretRef

SECRET_NAME = "studio-secrets"

# Keys of studio-secrets, as the Studio chart names them (RasaHQ/rasa-helm-charts charts/studio/secrets.yaml and README.md, chart 2.6.0).
DATABASE_PASSWORD = "DATABASE_PASSWORD"
KEYCLOAK_ADMIN_PASSWORD = "KEYCLOAK_ADMIN_PASSWORD"
KEYCLOAK_API_PASSWORD = "KEYCLOAK_API_PASSWORD"
KAFKA_SASL_PASSWORD = "KAFKA_SASL_PASSWORD"
RASA_PRO_LICENSE = "RASA_PRO_LICENSE_SECRET_KEY"
OPENAI_API_KEY = "OPENAI_API_KEY_SECRET_KEY"
KEYS = frozenset(
    {
        DATABASE_PASSWORD,
        KEYCLOAK_ADMIN_PASSWORD,
        KEYCLOAK_API_PASSWORD,
        KAFKA_SASL_PASSWORD,
        RASA_PRO_LICENSE,
        OPENAI_API_KEY,
    }
)


def dockerconfigjson(server: str, username: str, password: str) -> str:
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {server: {"username": username, "password": password, "auth": auth}}}, sort_keys=True)


def image_pull_secrets(ctx: Context) -> list[str]:
    """Names of the pull Secrets every Studio pod lists (created here or existing)."""
    pull = ctx.config.studio.pull_secret
    return [] if pull is None else [pull.name]


class StudioSecrets(pulumi.ComponentResource):
    secret: core.Secret
    # metadata.name of `secret` as an Output, so a reference to it waits for the Secret.
    name: pulumi.Output[str]
    # Keys present in `secret` (OPENAI_API_KEY_SECRET_KEY only when openaiApiKey is set).
    keys: frozenset[str]
    pull_secret: core.Secret | None
    database_password: pulumi.Output[str]
    keycloak_admin_password: pulumi.Output[str]
    keycloak_api_password: pulumi.Output[str]
    kafka_password: pulumi.Output[str]

    def __init__(self, name: str, ctx: Context, secrets: Secrets, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:studio:StudioSecrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def password(key: str, given: pulumi.Output[str] | None) -> pulumi.Output[str]:
            if given is not None:
                return given
            # No special characters: these passwords end up in JDBC URLs and SASL configs.
            # Protected with the data: a new database or Kafka password would no longer match the
            # one the server was initialised with.
            generated = random.RandomPassword(
                f"{name}-{key.lower().replace('_', '-')}",
                length=32,
                special=False,
                opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
            )
            return generated.result

        self.database_password = password(DATABASE_PASSWORD, secrets.database_password)
        self.keycloak_admin_password = password(KEYCLOAK_ADMIN_PASSWORD, secrets.keycloak_admin_password)
        self.keycloak_api_password = password(KEYCLOAK_API_PASSWORD, secrets.keycloak_api_password)
        self.kafka_password = password(KAFKA_SASL_PASSWORD, secrets.kafka_password)

        data: dict[str, pulumi.Input[str]] = {
            DATABASE_PASSWORD: self.database_password,
            KEYCLOAK_ADMIN_PASSWORD: self.keycloak_admin_password,
            KEYCLOAK_API_PASSWORD: self.keycloak_api_password,
            KAFKA_SASL_PASSWORD: self.kafka_password,
            RASA_PRO_LICENSE: secrets.rasa_pro_license,
        }
        if secrets.openai_api_key is not None:
            data[OPENAI_API_KEY] = secrets.openai_api_key
        self.keys = frozenset(data)
        self.secret = core.Secret(
            f"{name}-studio-secrets",
            metadata=ctx.metadata(SECRET_NAME, "backend"),
            type="Opaque",
            string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
            opts=child,
        )
        self.name = self.secret.metadata.name

        self.pull_secret = None
        pull = ctx.config.studio.pull_secret
        if pull is not None and pull.create and secrets.registry_password is not None:
            config_json = secrets.registry_password.apply(lambda pw: dockerconfigjson(pull.server, pull.username, pw))
            secret_config: pulumi.Output[str] = pulumi.Output.secret(config_json)
            self.pull_secret = core.Secret(
                f"{name}-registry",
                metadata=ctx.metadata(pull.name, "backend"),
                type="kubernetes.io/dockerconfigjson",
                string_data={".dockerconfigjson": secret_config},
                opts=child,
            )
        self.register_outputs({"name": self.name})

    def ref(self, key: str) -> SecretRef:
        if key not in KEYS:
            raise ValueError(f"{key} is not a key of {SECRET_NAME}")
        return SecretRef(name=self.name, key=key)
