"""`studio`: the Studio application (web client, backend, migration, Keycloak, ingestion)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic.alias_generators import to_camel

from . import cron
from .base import (
    DnsSubdomain,
    Hostname,
    ImageRepository,
    ImageTag,
    Model,
    PositiveInt,
    Replicas,
    Resources,
    check_host,
    split_host_port,
)
from .errors import InvalidKey
from .exposure import (
    ALB_WIDEST_IPV4,
    ALB_WIDEST_IPV6,
    EntryPeer,
    Exposure,
    GatewayConfig,
    IngressConfig,
    alb_ranges_too_wide,
    preset_entry_peer,
)
from .pods import PodSettings
from .security import MigrationSecurityContext, SecurityContext
from .versions import Contract, UnknownVersion, contract_for

# Where each Studio path is configured under studio.ingress.paths.
StudioPathKey = Literal["web_client", "backend", "keycloak", "talk"]


class Tls(Model):
    """TLS at the entry point: an existing certificate Secret, or one cert-manager issues.

    Which source the exposure needs is checked in StudioConfig (the ALB serves an ACM
    certificate instead; a Gateway someone else runs holds its own).
    """

    enabled: bool = False
    """Serve https at the entry point; also makes browser-facing URLs https (the chart's `connectionType`)."""
    secret_name: DnsSubdomain | None = None
    """
    Existing `kubernetes.io/tls` Secret with the certificate (Ingress: the Studio namespace; created Gateway: the
    Gateway's namespace).
    """
    cluster_issuer: DnsSubdomain | None = None
    """
    cert-manager ClusterIssuer that issues the certificate (for a Gateway: cert-manager with Gateway API support
    enabled).
    """

    @model_validator(mode="after")
    def _one_source(self) -> Tls:
        if not self.enabled and (self.secret_name or self.cluster_issuer):
            raise ValueError("secretName and clusterIssuer take effect only with enabled: true")
        return self


# Rasa's own registry (Google Artifact Registry; RasaHQ/rasa-helm-charts charts/studio/values.yaml
# `repository`, 1.2.6 to 2.6.0), which needs a key. Docker Hub's `rasa/` holds the same Studio
# images since 2026-02 (RasaHQ/studio-docker-compose@e9e6e32 .env: STUDIO_IMAGE_PATH=rasa).
RASA_REGISTRY = "europe-west3-docker.pkg.dev/rasa-releases/studio"
RASA_PRO_REPOSITORY = "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro"
DOCKER_HUB_REGISTRY = "docker.io/rasa"


def rasa_pro_repository(registry: str) -> str:
    """Where the Rasa Pro image is, given where the Studio images are.

    Rasa's registry keeps it in a repository of its own; Docker Hub (`rasa/rasa-pro`, the Rasa Pro
    docs' "Using Docker") and a mirror of it keep it beside the Studio images.
    """
    return RASA_PRO_REPOSITORY if registry == RASA_REGISTRY else f"{registry}/rasa-pro"


def _registry_host(value: str) -> str:
    """A registry as image references name it: a host, optionally with a port."""
    if ":" in value:
        split_host_port(value)
    else:
        check_host(value)
    return value


class PullSecret(Model):
    """Credentials for Rasa's private registry.

    With create: true the stack creates a dockerconfigjson Secret from the config secret
    `registryPassword`; otherwise `name` must already exist in the namespace.
    """

    name: DnsSubdomain = "rasa-registry"
    """Name of the dockerconfigjson Secret the pods list in `imagePullSecrets`."""
    create: bool = True
    """Create it from the secret `registryPassword`; false: it must already exist."""
    server: Annotated[str, AfterValidator(_registry_host)] = "europe-west3-docker.pkg.dev"
    """Registry host."""
    # Google Artifact Registry takes a service-account JSON key as password with this user.
    username: Annotated[str, Field(min_length=1)] = "_json_key"
    """Registry user (`_json_key` for a Google Artifact Registry JSON key)."""


class Component(PodSettings):
    """Settings every long-running Studio container shares: image tag, replicas, resources, pod settings."""

    version: ImageTag | None = None
    """Image tag override for this container; unset: `studio.version`."""
    replicas: Replicas = 1
    """Replicas (more than 1 adds a PodDisruptionBudget)."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""
    security_context: SecurityContext = SecurityContext()
    """Opt-in settings stricter than Rasa's chart, not verified against Rasa's images."""


class Features(Model):
    """Web client feature flags (window variables of config.js); all off by default, as in the chart.

    Each Studio version knows its own set (config/versions.py); enabling one the deployed
    version does not have is refused.
    """

    version_control: bool = False
    """VERSION_CONTROL_ENABLED: Studio 1.7.0 to 1.10.x (charts 1.1.10-2.0.4)."""
    cms_responses: bool = False
    """CMS_RESPONSES_ENABLED: Studio 1.7.0 to 1.10.x (charts 1.2.6-2.0.4)."""
    studio_inspector: bool = False
    """STUDIO_INSPECTOR_ENABLED: Studio 1.7.0 to 1.11.x (charts 1.1.12-2.0.7)."""
    assistant_state_management: bool = False
    """ASSISTANT_STATE_MANAGEMENT_ENABLED: Studio 1.11.x (charts 2.0.5-2.0.7)."""
    voice_inspector: bool = False
    """VOICE_INSPECTOR_ENABLED: Studio 1.12.2 and later (charts 2.1.3 on)."""
    silence_timeout: bool = False
    """SILENCE_TIMEOUT_ENABLED: Studio 1.12.2 and later (charts 2.1.3 on)."""
    edit_system_responses: bool = False
    """EDIT_SYSTEM_RESPONSES_ENABLED: Studio 1.12.2 and later (charts 2.1.3 on)."""


# config.js window variable of each feature flag (chart templates/studio/web-client/configmap.yaml).
FEATURE_FLAGS = {
    "version_control": "VERSION_CONTROL_ENABLED",
    "cms_responses": "CMS_RESPONSES_ENABLED",
    "studio_inspector": "STUDIO_INSPECTOR_ENABLED",
    "assistant_state_management": "ASSISTANT_STATE_MANAGEMENT_ENABLED",
    "voice_inspector": "VOICE_INSPECTOR_ENABLED",
    "silence_timeout": "SILENCE_TIMEOUT_ENABLED",
    "edit_system_responses": "EDIT_SYSTEM_RESPONSES_ENABLED",
}


class WebClient(Component):
    features: Features = Features()


class Autoscaling(Model):
    enabled: bool = False
    """HorizontalPodAutoscaler for the backend instead of fixed replicas."""
    min_replicas: Replicas = 1
    """Fewest replicas the autoscaler keeps."""
    max_replicas: Replicas = 3
    """Most replicas the autoscaler starts."""
    target_cpu_utilization_percentage: Annotated[int, Field(ge=1, le=100)] = 80
    """Average CPU utilisation the autoscaler keeps."""

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.max_replicas < self.min_replicas:
            raise ValueError("maxReplicas must be >= minReplicas")
        return self


class ConversationRetention(Model):
    """How long the backend keeps conversations; unset keeps them forever (chart default)."""

    delete_older_than_hours: PositiveInt | None = None
    cron_expression: Annotated[str, AfterValidator(cron.cron_expression)] = "0 * * * *"
    """Standard five-field cron (config/cron.py): minute hour day-of-month month day-of-week."""


class Polling(Model):
    """How the backend follows trainings and running models (https://rasa.com/docs/reference/architecture/studio)."""

    training_interval_ms: Annotated[int, Field(ge=100)] = 1000
    model_interval_ms: Annotated[int, Field(ge=100)] = 2000
    model_inactive_after_ms: Annotated[int, Field(ge=60000)] = 3600000
    """A running model nobody talked to for this long is stopped."""


class Backend(Component):
    autoscaling: Autoscaling = Autoscaling()
    conversation_retention: ConversationRetention = ConversationRetention()
    polling: Polling = Polling()


class DatabaseMigration(PodSettings):
    """The migration Job: runs once per Studio image, so it has no replicas."""

    version: ImageTag | None = None
    """Image tag override for this container; unset: `studio.version`."""
    resources: Resources | None = None
    backoff_limit: Annotated[int, Field(ge=0, le=10)] = 2
    """Retries before the Job (and so the deployment) fails; a failed pod is kept for its logs."""
    security_context: MigrationSecurityContext = MigrationSecurityContext()
    """Opt-in settings stricter than Rasa's chart (which sets none on this Job), not verified against Rasa's images."""


_KEYCLOAK_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"


def _keycloak_url(value: str) -> str:
    """The host and port of a Keycloak URL by their real grammar; the path is Keycloak's own."""
    netloc = value.split("://", 1)[1].split("/", 1)[0]
    if ":" in netloc:
        split_host_port(netloc)
    else:
        check_host(netloc)
    return value


class ExternalKeycloak(Model):
    """A Keycloak the stack does not run (chart: keycloak.enabled false with config.keycloak.url)."""

    url: Annotated[
        str,
        Field(pattern=r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s?#]*)?$"),
        AfterValidator(_keycloak_url),
    ]
    """
    Its base URL as browsers and the Studio pods reach it, with the path it serves under (Studio's own Keycloak image
    serves /auth), e.g. https://sso.example.com/auth.
    """

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")


class Keycloak(Component):
    admin_username: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")] = "kcadmin"
    """The Keycloak admin console user (chart config.keycloak.adminUsername)."""
    realm: Annotated[str, Field(pattern=_KEYCLOAK_NAME)] = "rasa-studio"
    """The realm Studio's users and clients live in (chart config.keycloak.realm)."""
    client_id: Annotated[str, Field(pattern=_KEYCLOAK_NAME)] = "rasa-studio-backend"
    """The client the web client and the backend log users in with (chart config.keycloak.clientId)."""
    api_client_id: Annotated[str, Field(pattern=_KEYCLOAK_NAME)] = "admin-cli"
    """The client the backend manages the realm through (chart config.keycloak.apiClientId)."""
    api_username: Annotated[str, Field(pattern=_KEYCLOAK_NAME)] = "realmadmin"
    """The user of that client; its password is the secret keycloakApiPassword (chart config.keycloak.apiUsername)."""
    external: ExternalKeycloak | None = None
    """Set: use this Keycloak; no Keycloak pods and no keycloak database here."""

    @model_validator(mode="after")
    def _no_pod_settings_for_an_external_keycloak(self) -> Keycloak:
        if self.external is None:
            return self
        # Replicas, resources and pod settings shape pods that an external Keycloak does not have:
        # silently ignoring them would let an operator believe they took effect.
        # (A key set to null is as good as unset.)
        pod_fields = {f for f in set(Component.model_fields) & self.model_fields_set if getattr(self, f) is not None}
        if pod_fields:
            keys = sorted(to_camel(f) for f in pod_fields)
            raise InvalidKey(
                keys[0],
                "takes effect only for the Keycloak this stack runs; with keycloak.external set there are no "
                f"Keycloak pods, so remove {', '.join(keys)}",
            )
        return self

    @property
    def in_cluster(self) -> bool:
        return self.external is None

    @property
    def external_url(self) -> str | None:
        return self.external.base_url if self.external is not None else None


class EventIngestion(Component):
    enabled: bool = True
    """
    Off: no ingestion Deployment and no events topics; with the embedded model service nothing else uses Kafka, so the
    stack then runs or connects to no Kafka at all (chart: eventIngestion.enabled).
    """
    kafka_client_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")] = "kafka-python-rasa"
    kafka_group_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")] = "studio"
    """The consumer group: give another Studio reading the same topic its own group."""


class StudioConfig(Model):
    host: Hostname
    """Host name Studio is served on (`/`, `/api`, `/auth`, `/talk`)."""
    tls: Tls = Tls()
    # Ingress (nginx-compatible or ALB) or Gateway API HTTPRoutes.
    exposure: Exposure = "ingress"
    """
    `ingress`: Ingresses for `studio.ingress.profile`; `gateway`: Gateway API HTTPRoutes attached to
    `studio.gateway.parentRef`. See docs/exposure.md.
    """
    ingress: IngressConfig = IngressConfig()
    gateway: GatewayConfig | None = None
    """Gateway API settings; required with `exposure: gateway`."""
    # NetworkPolicy peer Studio's traffic enters from; unset: the profile's preset.
    entry_peer: EntryPeer | None = None
    """
    NetworkPolicy peer Studio's traffic enters from; unset: the preset of the profile (`nginx`: namespace
    `ingress-nginx`; Gateway: see `studio.gateway.controller`; `alb`: none, set `cidrs`).
    """
    registry: ImageRepository = RASA_REGISTRY
    """
    Repository prefix of the Studio images: <registry>/studio-backend:<version>. `docker.io/rasa`: Docker Hub, pulled
    without a key (docs/studio-versions.md, "Public images").
    """
    version: ImageTag
    """
    Studio image tag of every Studio container (`1.17.0-latest`, `1.15.2`; the chart's `tag`): a tag of
    docs/studio-versions.md's table, or a release of a minor it lists; quote it.
    """
    # Unset: Rasa's key for Rasa's registry, none for any other (Docker Hub needs none); null: none.
    pull_secret: PullSecret | None = PullSecret()
    """
    Registry credentials; unset: Rasa's key for Rasa's registry, none for any other `studio.registry`; null: pull
    without credentials (Docker Hub).
    """
    web_client: WebClient = WebClient()
    backend: Backend = Backend()
    database_migration: DatabaseMigration = DatabaseMigration()
    keycloak: Keycloak = Keycloak()
    event_ingestion: EventIngestion = EventIngestion()

    @model_validator(mode="after")
    def _exposure_complete(self) -> StudioConfig:
        if self.exposure == "gateway":
            if self.gateway is None:
                raise InvalidKey("gateway", "is required with exposure: gateway (parentRef: the Gateway to attach to)")
            if "ingress" in self.model_fields_set:
                raise InvalidKey("ingress", "takes effect only with exposure: ingress")
        elif self.gateway is not None:
            raise InvalidKey("gateway", "takes effect only with exposure: gateway")
        if self.exposure == "ingress" and self.ingress.profile != "alb" and "alb" in self.ingress.model_fields_set:
            raise InvalidKey("ingress.alb", "takes effect only with profile: alb")
        self._tls_source_fits()
        if self.entry is None:
            raise InvalidKey(
                "entryPeer",
                "is required with the alb profile: the ALB reaches pods (target type ip) from its subnets; "
                "set cidrs to the ranges of the ALB's subnets (not the whole VPC)",
            )
        if self.exposure == "ingress" and self.ingress.profile == "alb":
            wide = alb_ranges_too_wide(self.entry.cidrs)
            if wide:
                raise InvalidKey(
                    "entryPeer.cidrs",
                    f"{', '.join(wide)} is wider than an ALB subnet (IPv4 /{ALB_WIDEST_IPV4}, IPv6 /{ALB_WIDEST_IPV6}): "
                    "give the ranges of the ALB's own subnets; with the VPC CNI a VPC-wide range admits every pod",
                )
        return self

    def _tls_source_fits(self) -> None:
        tls = self.tls
        own_source = tls.secret_name is not None or tls.cluster_issuer is not None
        if self.exposure == "ingress" and self.ingress.profile == "alb":
            if own_source:
                raise InvalidKey(
                    "tls", "the ALB serves an ACM certificate (ingress.alb.certificateArn), not a Kubernetes Secret"
                )
            if tls.enabled and self.ingress.alb.certificate_arn is None:
                raise InvalidKey("ingress.alb.certificateArn", "is required with tls.enabled (the HTTPS listener's)")
            if not tls.enabled and self.ingress.alb.certificate_arn is not None:
                raise InvalidKey("ingress.alb.certificateArn", "takes effect only with tls.enabled: true")
            return
        if self.gateway is not None and self.gateway.create is None:
            if own_source:
                raise InvalidKey(
                    "tls",
                    "the Gateway you attach to holds the certificate; secretName and clusterIssuer need gateway.create",
                )
            return
        if tls.enabled and not own_source:
            raise InvalidKey(
                "tls", "with enabled: true, set secretName (an existing Secret) or clusterIssuer (cert-manager)"
            )

    @property
    def entry(self) -> EntryPeer | None:
        """The NetworkPolicy peer of incoming traffic: entryPeer, else the profile's preset."""
        return self.entry_peer or preset_entry_peer(self.exposure, self.ingress, self.gateway)

    def path_host(self, key: StudioPathKey) -> str:
        """Host a Studio path is served on (per-path hosts exist for Ingresses only)."""
        if self.exposure == "ingress":
            return getattr(self.ingress.paths, key).host or self.host
        return self.host

    def path_url(self, key: StudioPathKey, path: str = "") -> str:
        """Browser-facing URL of a Studio path, e.g. path_url("backend", "/api")."""
        return f"{self.scheme}://{self.path_host(key)}{path}"

    @model_validator(mode="after")
    def _pull_secret_follows_registry(self) -> StudioConfig:
        # The default key is one for Rasa's registry: anywhere else it would be the wrong one.
        if "pull_secret" in self.model_fields_set or self.registry == RASA_REGISTRY:
            return self
        return self.model_copy(update={"pull_secret": None})

    @property
    def contract(self) -> Contract:
        """The chart release whose container contract this Studio version gets (config/versions.py)."""
        return contract_for(self.version)

    @property
    def uses_keycloak(self) -> bool:
        """Users log in through Keycloak (every chart release to 2.6.0), not through Studio itself."""
        return self.contract.auth == "keycloak"

    @property
    def keycloak_in_cluster(self) -> bool:
        """Keycloak runs in this stack: the version uses one, and it is not studio.keycloak.external."""
        return self.uses_keycloak and self.keycloak.in_cluster

    @model_validator(mode="after")
    def _version_has_a_contract(self) -> StudioConfig:
        try:
            contract = self.contract
        except UnknownVersion as exc:
            raise InvalidKey("version", str(exc)) from None
        if self.keycloak.external is not None and contract.auth != "keycloak":
            raise InvalidKey(
                "keycloak.external", f"Studio {self.version} ({contract.label}) logs users in itself, without Keycloak"
            )
        if self.keycloak.external is not None and contract.skip_keycloak == "absent":
            # Keycloak became optional in chart 2.0.9 (c3ee8f7) and the migration learnt to skip
            # its database in 2.0.10 (10234a2), both shipping Studio 1.12.
            raise InvalidKey(
                "keycloak.external",
                f"Studio {self.version} ({contract.label}) always runs its own Keycloak; "
                "an external one needs Studio 1.12.0 or later",
            )
        for field, flag in FEATURE_FLAGS.items():
            if getattr(self.web_client.features, field) and flag not in contract.config_js_flags:
                raise InvalidKey(
                    f"webClient.features.{to_camel(field)}",
                    f"Studio {self.version} has no {flag} ({contract.label} config.js has "
                    f"{', '.join(contract.config_js_flags) or 'no feature flags'})",
                )
        return self

    @property
    def scheme(self) -> str:
        """Scheme of browser-facing URLs (the chart's config.connectionType)."""
        return "https" if self.tls.enabled else "http"

    @property
    def url(self) -> str:
        return self.path_url("web_client")

    @property
    def keycloak_browser_url(self) -> str:
        """Where browsers reach Keycloak: /auth on its path's host, or the external URL."""
        external = self.keycloak.external
        return external.base_url if external is not None else self.path_url("keycloak", "/auth")
