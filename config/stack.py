"""The whole stack configuration and the rules that span sections."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel, to_snake

from .assistant import AssistantConfig, wiring_problem
from .aws import AwsConfig
from .backing import (
    MAX_MSK_BROKERS,
    DatabaseConfig,
    ExternalDatabase,
    ExternalKafka,
    ExternalStorage,
    InClusterDatabase,
    InClusterKafka,
    KafkaConfig,
    MinioStorage,
    MskKafka,
    ObjectStorageConfig,
)
from .base import DnsLabel, Model
from .cluster import ClusterConfig
from .compatibility import pairing_problem
from .errors import InvalidKey
from .kubernetes import KubernetesConfig
from .model_service import ORCHESTRATED_REGISTRY, ModelServiceConfig
from .pods import PodSettings, check_mounts, merge
from .rotation import PasswordRotation
from .studio import RASA_REGISTRY, StudioConfig, rasa_pro_repository
from .versions import contract_for
from .workloads import settings_keys

Environment = Literal["dev", "staging", "prod"]
# The prod safety rules a prod stack may waive, each only by naming it in `acknowledgeUnsafeProd`
# (docs/prod-safety.md): turning one off takes two deliberate lines, never one.
ProdRisk = Literal["protectData", "tls", "keycloakTls", "databaseTls", "kafkaTls"]
# sslmode values that encrypt and verify the server (libpq: verify-ca checks the chain,
# verify-full also the host name); require encrypts without knowing who answers.
VERIFIED_SSL_MODES = ("verify-ca", "verify-full")


class StackConfig(Model):
    environment: Environment
    """Picks the defaults of config/defaults.py; components never branch on it."""
    protect_data: bool
    """Protect stateful resources (databases, buckets, brokers, volumes) from deletion."""
    cluster: ClusterConfig = ClusterConfig()
    kubernetes: KubernetesConfig = KubernetesConfig()
    studio: StudioConfig
    model_service: ModelServiceConfig = ModelServiceConfig()
    kafka: KafkaConfig
    database: DatabaseConfig
    object_storage: ObjectStorageConfig
    aws: AwsConfig | None = None
    """Required when a backing service is AWS-managed (`msk`, `rds`, `s3`)."""
    acknowledge_unsafe_prod: list[ProdRisk] = []
    """
    Prod safety rules this stack deliberately waives (docs/prod-safety.md); staging keeps prod's data protection and
    waives it the same way.
    """
    instance: DnsLabel | None = None
    """
    The name physical AWS names and the `app.kubernetes.io/instance` label derive from. Unset: the one this stack last
    deployed with (so `pulumi stack rename` changes nothing), else the stack name (docs/operations.md, "Renaming a
    stack").
    """
    acknowledge_downgrade: Annotated[str, Field(min_length=1)] | None = None
    """
    The Studio version this stack last deployed, when `studio.version` deliberately goes below it (Studio's migrations
    only go forward; docs/operations.md, "Rolling back").
    """
    password_rotation: PasswordRotation = PasswordRotation()
    assistant: AssistantConfig = AssistantConfig()
    """A Rasa Pro assistant next to Studio, its conversations in Conversation Review (docs/assistant.md)."""

    def prod_risks(self) -> dict[ProdRisk, tuple[str, str]]:
        """What this config turns off that prod relies on: {rule: (key, why)}; staging keeps
        prod's data protection (its data is real too, and CI deploys it on every push), dev none."""
        if self.environment == "dev":
            return {}
        risks: dict[ProdRisk, tuple[str, str]] = {}
        if not self.protect_data:
            risks["protectData"] = (
                "protectData",
                f"{self.environment} keeps its data protected: false leaves RDS without deletion protection or "
                "final snapshot and lets `pulumi destroy` delete the databases, brokers, bucket and volumes",
            )
        if self.environment != "prod":
            return risks
        if not self.studio.tls.enabled:
            risks["tls"] = (
                "studio.tls.enabled",
                "prod serves Studio over HTTPS: logins and tokens would cross in clear",
            )
        external_keycloak = self.studio.keycloak.external
        if external_keycloak is not None and not external_keycloak.url.startswith("https://"):
            risks["keycloakTls"] = (
                "studio.keycloak.external.url",
                "prod logs users in over HTTPS: with an http:// Keycloak, passwords and tokens would cross in clear",
            )
        if isinstance(self.database, ExternalDatabase) and self.database.ssl_mode not in VERIFIED_SSL_MODES:
            risks["databaseTls"] = (
                "database.sslMode",
                f"prod connects to its database encrypted and verified ({' or '.join(VERIFIED_SSL_MODES)}), "
                f"got {self.database.ssl_mode}",
            )
        if isinstance(self.kafka, ExternalKafka) and self.kafka.security_protocol in ("PLAINTEXT", "SASL_PLAINTEXT"):
            risks["kafkaTls"] = (
                "kafka.securityProtocol",
                f"prod talks to Kafka over TLS (SSL or SASL_SSL), got {self.kafka.security_protocol}",
            )
        return risks

    @model_validator(mode="after")
    def _prod_names_its_cluster(self) -> StackConfig:
        # A cluster the stack creates is its own: its provider reads the new cluster's kubeconfig.
        if self.environment == "prod" and self.kubernetes.context is None and not self.cluster.creates_eks:
            raise InvalidKey(
                "kubernetes.context",
                "prod must name its kubeconfig context, so it never deploys to whatever cluster the shell points at",
            )
        return self

    @model_validator(mode="after")
    def _architecture_matches_studio(self) -> StackConfig:
        try:
            needed = contract_for(self.studio.version).architecture
        except ValueError as exc:
            raise InvalidKey("studio.version", str(exc)) from None
        if self.model_service.architecture != needed:
            raise InvalidKey(
                "modelService.architecture",
                f"Studio {self.studio.version} ships the {needed} model service "
                f"({'>=' if needed == 'embedded' else '<'} 1.10); set architecture: {needed} "
                f"or pick a Studio version that matches {self.model_service.architecture}",
            )
        return self

    @model_validator(mode="after")
    def _orchestrated_images_have_their_key(self) -> StackConfig:
        # The public profile (Docker Hub, no key) with Studio 1.7.0: its model-service images are in
        # Rasa's registry only, and would never pull.
        ms = self.model_service
        if (
            ms.architecture == "orchestrated"
            and self.studio.pull_secret is None
            and self.studio.registry != RASA_REGISTRY
            and ms.images.registry == ORCHESTRATED_REGISTRY
        ):
            raise InvalidKey(
                "studio.pullSecret",
                f"Studio {self.studio.version}'s model-service images are only in Rasa's registry "
                f"({ORCHESTRATED_REGISTRY}): keep Rasa's key (studio.pullSecret), mirror them "
                "(modelService.images.registry), or pick an embedded Studio version (1.10 or later)",
            )
        return self

    @model_validator(mode="after")
    def _restricted_namespace_admits_the_migration(self) -> StackConfig:
        if self.kubernetes.pod_security == "restricted" and not (
            self.studio.database_migration.security_context.restricted
        ):
            # The API server would refuse the Job's pod and `pulumi up` would wait on it until it times out.
            raise InvalidKey(
                "studio.databaseMigration.securityContext.restricted",
                "must be true with kubernetes.podSecurity: restricted: the migration Job runs without a "
                "securityContext as Rasa's chart runs it, which Pod Security `restricted` refuses",
            )
        return self

    @model_validator(mode="after")
    def _rasa_pro_follows_studio(self) -> StackConfig:
        """modelService.rasaPro with what is unset filled from Studio, and its pairing checked."""
        given = self.model_service.rasa_pro
        contract = self.studio.contract
        tag = given.tag or contract.rasa_pro
        problem = pairing_problem(self.studio.version, contract, tag)
        key = "modelService.rasaPro.tag" if given.tag else "modelService.rasaPro"
        if problem is not None and not given.acknowledge_outside_matrix:
            if given.tag is None:
                problem = f"the default (the chart's pairing for Studio {contract.studio}) does not hold: {problem}"
            raise InvalidKey(key, problem)
        if problem is None and given.acknowledge_outside_matrix:
            raise InvalidKey(
                "modelService.rasaPro.acknowledgeOutsideMatrix",
                f"Rasa Pro {tag} is a known pairing for Studio {self.studio.version}; remove the acknowledgement",
            )
        resolved = given.model_copy(
            update={"repository": given.repository or rasa_pro_repository(self.studio.registry), "tag": tag}
        )
        return self.model_copy(update={"model_service": self.model_service.model_copy(update={"rasa_pro": resolved})})

    @model_validator(mode="after")
    def _created_cluster_is_its_own(self) -> StackConfig:
        if not self.cluster.creates_eks:
            if self.cluster.model_fields_set - {"mode"}:
                first = sorted(self.cluster.model_fields_set - {"mode"})[0]
                raise InvalidKey(
                    f"cluster.{to_camel(first)}", "describes a created cluster: set cluster.mode: eks, or remove it"
                )
            return self
        # What describes a cluster that already exists contradicts the one this stack creates.
        given = {
            "kubernetes.context": self.kubernetes.context,
            "kubernetes.kubeconfig": self.kubernetes.kubeconfig,
            "aws.oidcProviderArn": self.aws.oidc_provider_arn if self.aws else None,
            "aws.clientSecurityGroupIds": self.aws.client_security_group_ids if self.aws else None,
        }
        why = (
            "describes an existing cluster, but cluster.mode: eks creates one: the program reaches it through its "
            "own kubeconfig, trusts its OIDC provider and admits its security groups; remove the key"
        )
        refused = [(key, why) for key, value in given.items() if value]
        if refused:
            raise InvalidKey(*refused[0], *refused[1:])
        if self.aws is None:
            raise InvalidKey("aws.region", "is required by cluster.mode eks (the region the cluster is created in)")
        if bool(self.aws.vpc_id) != bool(self.aws.subnet_ids):
            raise InvalidKey(
                "aws.subnetIds" if self.aws.vpc_id else "aws.vpcId",
                "give both aws.vpcId and aws.subnetIds (an existing VPC's private subnets), or neither to create the VPC",
            )
        if self.cluster.public_subnet_ids and not self.aws.vpc_id:
            raise InvalidKey(
                "cluster.publicSubnetIds", "goes with an existing VPC (aws.vpcId); a created VPC has its own"
            )
        if not self.kubernetes.create_namespace:
            raise InvalidKey(
                "kubernetes.createNamespace", "must be true with cluster.mode eks: a new cluster has no namespace yet"
            )
        if self.kubernetes.minor_version > int(self.cluster.version.split(".")[1]):
            raise InvalidKey(
                "kubernetes.version",
                f"{self.kubernetes.version} is newer than the cluster cluster.mode eks creates ({self.cluster.version})",
            )
        return self

    @model_validator(mode="after")
    def _aws_facts_present(self) -> StackConfig:
        needs: dict[str, str] = {}
        if self.cluster.creates_eks:
            # The created cluster brings its VPC, client security groups and OIDC provider.
            return self._zones_for_managed_services()
        if self.kafka.mode == "msk" and self.kafka_needed:
            needs.update(vpcId="kafka.mode msk", subnetIds="kafka.mode msk", clientSecurityGroupIds="kafka.mode msk")
        if self.database.mode == "rds":
            needs.update(
                vpcId="database.mode rds", subnetIds="database.mode rds", clientSecurityGroupIds="database.mode rds"
            )
        if self.object_storage.mode == "s3":
            needs.update(oidcProviderArn="objectStorage.mode s3 (IRSA)")
        if self.assistant.enabled and self.assistant.lock_store.mode == "elasticache":
            reason = "assistant.lockStore.mode elasticache"
            needs.update(vpcId=reason, subnetIds=reason, clientSecurityGroupIds=reason)
        if not needs:
            return self
        if self.aws is None:
            raise InvalidKey("aws", f"is required by {', '.join(sorted(set(needs.values())))}")
        values = {
            "vpcId": self.aws.vpc_id,
            "subnetIds": self.aws.subnet_ids,
            "clientSecurityGroupIds": self.aws.client_security_group_ids,
            "oidcProviderArn": self.aws.oidc_provider_arn,
        }
        for key, reason in sorted(needs.items()):
            if not values[key]:
                raise InvalidKey(f"aws.{key}", f"is required by {reason}")
        return self._zones_for_managed_services()

    def _zones_for_managed_services(self) -> StackConfig:
        if ((self.kafka.mode == "msk" and self.kafka_needed) or self.database.mode == "rds") and self.zone_count < 2:
            raise InvalidKey(
                "aws.subnetIds", "RDS subnet groups and MSK need at least 2 subnets in different availability zones"
            )
        return self

    @model_validator(mode="after")
    def _pod_settings_consistent(self) -> StackConfig:
        for key in self.workloads():
            try:
                check_mounts(self.pod_settings(key))
            except InvalidKey as exc:
                raise InvalidKey(f"{key}.{exc.path}", exc.message) from None
            except ValidationError as exc:
                # Valid apart, too much together: kubernetes.podDefaults merged under the workload's
                # own (the annotations' 256 KiB of ValidateAnnotations).
                first = exc.errors()[0]
                field = to_camel(str(first["loc"][0])) if first["loc"] else ""
                reason = str((first.get("ctx") or {}).get("error", first["msg"]))
                raise InvalidKey(f"{key}.{field}", f"with kubernetes.podDefaults merged in: {reason}") from None
        return self

    def workloads(self) -> list[str]:
        """Config keys of every workload's pod settings, for the workloads this stack runs."""
        return settings_keys(self)

    def pod_settings(self, key: str) -> PodSettings:
        """The pod settings at `key` (a workload's config key) on top of kubernetes.podDefaults."""
        node: object = self
        for part in key.split("."):
            node = getattr(node, to_snake(part))
        assert isinstance(node, PodSettings), key
        return merge(self.kubernetes.pod_defaults, node.pod_settings())

    @model_validator(mode="after")
    def _storage_provider_supported(self) -> StackConfig:
        storage = self.object_storage
        if not isinstance(storage, ExternalStorage) or storage.provider == "aws":
            return self
        if self.model_service.architecture != "embedded":
            raise InvalidKey(
                "objectStorage.provider",
                f"{storage.provider} needs the embedded model service (Studio >= 1.10); "
                "the orchestrated model services use S3-compatible storage here",
            )
        return self

    @model_validator(mode="after")
    def _backups_have_a_bucket(self) -> StackConfig:
        database, storage = self.database, self.object_storage
        if not isinstance(database, InClusterDatabase) or database.backup is None:
            return self
        if isinstance(storage, MinioStorage):
            return self
        if isinstance(storage, ExternalStorage) and storage.provider == "aws" and storage.credentials_secret:
            return self
        raise InvalidKey(
            "database.backup",
            "uploads with access keys: needs objectStorage.mode minio, or external (provider aws) with "
            "credentialsSecret",
        )

    @property
    def zone_count(self) -> int:
        """Availability zones the stack's private subnets span, one subnet each (aws.subnetIds).

        Declared rather than read from AWS, so the checks that depend on it (RDS and MSK need two
        zones, MSK places brokers per zone) run before anything exists.
        """
        if self.aws is not None and self.aws.subnet_ids:
            return len(self.aws.subnet_ids)
        # A VPC the stack creates spans cluster.zones, one private subnet each.
        return self.cluster.zones if self.cluster.creates_eks else 0

    @property
    def kafka_needed(self) -> bool:
        """Event ingestion reads the assistants' events; the orchestrated services pass jobs."""
        return self.studio.event_ingestion.enabled or self.model_service.architecture == "orchestrated"

    @property
    def entry_in_namespace(self) -> bool:
        """The entry point's proxy pods run in Studio's own namespace (a Gateway there, generic preset)."""
        entry = self.studio.entry
        return entry is not None and not entry.cidrs and entry.namespace == self.kubernetes.namespace

    @model_validator(mode="after")
    def _entry_proxies_in_the_namespace(self) -> StackConfig:
        gateway = self.studio.gateway
        control_plane = gateway.control_plane_namespace if gateway is not None else None
        if not self.entry_in_namespace:
            if control_plane is not None:
                raise InvalidKey(
                    "studio.gateway.controlPlaneNamespace",
                    "takes effect only when the Gateway's proxies run in Studio's namespace (parentRef.namespace "
                    f"{self.kubernetes.namespace})",
                )
            return self
        entry = self.studio.entry
        assert entry is not None
        if not entry.pod_labels:
            raise InvalidKey(
                "studio.entryPeer.podLabels",
                f"are required when the entry point runs in Studio's namespace {self.kubernetes.namespace}: "
                "without them every pod there would be admitted as the proxy",
            )
        if gateway is not None and gateway.controller == "generic" and control_plane is None:
            # The default-deny policy selects the proxies too: without egress to their controller
            # they get no configuration, and Studio is unreachable.
            raise InvalidKey(
                "studio.gateway.controlPlaneNamespace",
                f"is required when the Gateway runs in Studio's namespace {self.kubernetes.namespace} with "
                "controller: generic: its proxies run there too and must reach their controller "
                "(istio-system for Istio, nginx-gateway for NGINX Gateway Fabric)",
            )
        return self

    @model_validator(mode="after")
    def _msk_within_quota(self) -> StackConfig:
        kafka = self.kafka
        if isinstance(kafka, MskKafka) and self.kafka_needed and self.aws is not None:
            total = kafka_broker_count(kafka, self.zone_count) or 0
            if total > MAX_MSK_BROKERS:
                raise InvalidKey(
                    "kafka.brokersPerSubnet",
                    f"{kafka.brokers_per_subnet} per subnet x {kafka.zone_count(self.zone_count)} subnets is {total} "
                    "brokers; "
                    f"MSK allows {MAX_MSK_BROKERS} per cluster by default",
                )
        return self

    @model_validator(mode="after")
    def _assistant_wired_to_studio(self) -> StackConfig:
        problem = wiring_problem(self)
        if problem is not None:
            raise InvalidKey(*problem)
        return self

    @model_validator(mode="after")
    def _topics_fit_brokers(self) -> StackConfig:
        if not self.kafka_needed:
            return self
        brokers = kafka_broker_count(self.kafka, self.zone_count)
        if brokers is not None and self.kafka.topics.replication_factor > brokers:
            raise InvalidKey(
                "kafka.topics.replicationFactor",
                f"must be <= the number of brokers ({brokers}), got {self.kafka.topics.replication_factor}",
            )
        return self

    @model_validator(mode="after")
    def _prod_stays_safe(self) -> StackConfig:
        risks = self.prod_risks()
        acknowledged = set(self.acknowledge_unsafe_prod)
        refused = [
            (key, f"{why}; to accept this deliberately add {rule!r} to acknowledgeUnsafeProd")
            for rule, (key, why) in sorted(risks.items())
            if rule not in acknowledged
        ]
        if refused:
            raise InvalidKey(*refused[0], *refused[1:])
        stale = sorted(acknowledged - set(risks))
        if stale:
            # A waiver nothing needs would let a later one-line change switch the protection off.
            if self.environment == "dev":
                where = "dev has no safety rules"
            elif self.environment == "staging" and stale != ["protectData"]:
                where = "staging has the protectData rule only"
            else:
                where = "this config keeps them"
            raise InvalidKey("acknowledgeUnsafeProd", f"acknowledges {', '.join(stale)} but {where}; remove them")
        return self


def kafka_broker_count(kafka: InClusterKafka | MskKafka | ExternalKafka, stack_zones: int) -> int | None:
    """Brokers the stack runs; None when they are someone else's (external). `stack_zones`: the
    availability zones of the stack's private subnets (StackConfig.zone_count)."""
    if isinstance(kafka, InClusterKafka):
        return kafka.brokers
    if isinstance(kafka, MskKafka):
        return kafka.brokers_per_subnet * kafka.zone_count(stack_zones)
    return None
