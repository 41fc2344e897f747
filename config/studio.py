"""`studio`: the Studio application (web client, backend, migration, Keycloak, ingestion)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .base import DnsSubdomain, Hostname, ImageRepository, ImageTag, Model, PositiveInt, Resources


class Tls(Model):
    """TLS on the ingress: an existing certificate Secret, or one cert-manager issues."""

    enabled: bool = False
    secret_name: DnsSubdomain | None = None
    cluster_issuer: DnsSubdomain | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Tls:
        if self.enabled and self.secret_name is None and self.cluster_issuer is None:
            raise ValueError("with enabled: true, set secretName (an existing Secret) or clusterIssuer (cert-manager)")
        if not self.enabled and (self.secret_name or self.cluster_issuer):
            raise ValueError("secretName and clusterIssuer take effect only with enabled: true")
        return self


class PullSecret(Model):
    """Credentials for Rasa's private registry.

    With create: true the stack creates a dockerconfigjson Secret from the config secret
    `registryPassword`; otherwise `name` must already exist in the namespace.
    """

    name: DnsSubdomain = "rasa-registry"
    create: bool = True
    server: Annotated[str, Field(min_length=1)] = "europe-west3-docker.pkg.dev"
    # Google Artifact Registry takes a service-account JSON key as password with this user.
    username: Annotated[str, Field(min_length=1)] = "_json_key"


class Component(Model):
    """Settings every Studio container shares: image tag override, replicas, resources."""

    version: ImageTag | None = None
    replicas: PositiveInt = 1
    resources: Resources | None = None


class Autoscaling(Model):
    enabled: bool = False
    min_replicas: PositiveInt = 1
    max_replicas: PositiveInt = 3
    target_cpu_utilization_percentage: Annotated[int, Field(ge=1, le=100)] = 80

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.max_replicas < self.min_replicas:
            raise ValueError("maxReplicas must be >= minReplicas")
        return self


class Backend(Component):
    autoscaling: Autoscaling = Autoscaling()


class StudioConfig(Model):
    host: Hostname
    tls: Tls = Tls()
    # Repository prefix of the Studio images: <registry>/studio-backend:<version>.
    registry: ImageRepository = "europe-west3-docker.pkg.dev/rasa-releases/studio"
    version: ImageTag
    pull_secret: PullSecret | None = PullSecret()
    web_client: Component = Component()
    backend: Backend = Backend()
    database_migration: Component = Component()
    keycloak: Component = Component()
    event_ingestion: Component = Component()

    @property
    def scheme(self) -> str:
        """Scheme of browser-facing URLs (the chart's config.connectionType)."""
        return "https" if self.tls.enabled else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"
