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
from urllib.parse import quote

import pulumi
import pulumi_random as random
from pulumi_kubernetes.core import v1 as core

from config.secrets import Secrets

from .context import Context
from .interfaces import Database, SecretRef
from .requirements import STUDIO_DATABASE

SECRET_NAME = "studio-secrets"

# Keys of studio-secrets, as the Studio chart names them (RasaHQ/rasa-helm-charts
# charts/studio/secrets.yaml, 1.2.6 to 2.6.0; config/versions.py has which version references which).
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
    # SECRET_NAME as plain text: readers list `secret` in depends_on (interfaces.SecretRef says why).
    name: str
    # Keys present in `secret`: all of KEYS, empty where unset.
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
            # Always present, as in the chart's Secret: the consumers and the model service are
            # told to read this key; empty runs assistants without an OpenAI key.
            OPENAI_API_KEY: secrets.openai_api_key if secrets.openai_api_key is not None else "",
        }
        self.keys = frozenset(data)
        self.secret = core.Secret(
            f"{name}-studio-secrets",
            metadata=ctx.metadata(SECRET_NAME, "backend"),
            type="Opaque",
            string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
            opts=child,
        )
        self.name = SECRET_NAME

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
        return SecretRef(name=self.name, key=key, secret=self.secret)


# The Secret holding DATABASE_URL for Studio versions that read it (charts up to 2.1.9).
DATABASE_URL_SECRET = "studio-database-url"
DATABASE_URL = "DATABASE_URL"


def database_url(username: str, password: str, host: str, port: int, query: str) -> str:
    """postgresql://user:pass@host:port/studio?query, user and password percent-encoded, so a
    password with `@`, `/`, `:` or `%` still parses (the form the chart documents for
    backend.environmentVariables.DATABASE_URL, charts/studio/values.yaml 1.2.6)."""
    url = f"postgresql://{quote(username, safe='')}:{quote(password, safe='')}@{host}:{port}/{STUDIO_DATABASE}"
    return f"{url}?{query}" if query else url


def database_url_ref(
    name: str,
    ctx: Context,
    database: Database,
    password: pulumi.Output[str] | None,
    opts: pulumi.ResourceOptions,
) -> tuple[SecretRef, core.Secret | None]:
    """Where the containers read DATABASE_URL.

    The chart reads it from studio-secrets; here it is a Secret of its own, because it holds the
    database's address, which a managed database (RDS) only has once it exists, long after
    studio-secrets is handed to the backing services. Where the password lives in the user's own
    Secret (an external database), that Secret must hold DATABASE_URL beside it, as in the chart.
    """
    if password is None:
        return SecretRef(database.password.name, DATABASE_URL), None
    url: pulumi.Output[str] = pulumi.Output.all(password, database.host).apply(
        lambda args: database_url(database.username, str(args[0]), str(args[1]), database.port, database.query)
    )
    secret_url: pulumi.Output[str] = pulumi.Output.secret(url)
    secret = core.Secret(
        name,
        metadata=ctx.metadata(DATABASE_URL_SECRET, "backend"),
        type="Opaque",
        string_data={DATABASE_URL: secret_url},
        opts=opts,
    )
    return SecretRef(DATABASE_URL_SECRET, DATABASE_URL, secret), secret
