"""Who talks to whom: the flows of the architecture as data, computed from the config.

NetworkPolicies (components/network.py) allow exactly these flows on top of a default deny, and
tools/flows/ has network-config-analyzer confirm it on the rendered manifests. A flow names its
source and destination as a pod group of the label contract (labels.PodGroup: a component, or a
helper pod of one such as a setup Job) or one of the peers outside the Studio pods below, and the
destination port. Pod groups the chosen architecture or modes do not deploy get no flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from config import StackConfig
from config.backing import (
    ExternalDatabase,
    ExternalKafka,
    ExternalStorage,
    InClusterDatabase,
    InClusterKafka,
    MinioStorage,
)
from config.lock_store import ElastiCacheLockStore, ExternalLockStore, InClusterLockStore

from . import names
from .labels import ComponentName, PodGroup
from .ports import (
    BACKEND_PORT,
    HTTP_PORT,
    HTTPS_PORT,
    KEYCLOAK_PORT,
    KUBERNETES_API_PORTS,
    MODEL_SERVICE_PORT,
    MSK_SASL_SCRAM_PORT,
    RASA_PORT,
    REDIS_PORT,
    TALK_PROXY_PORT,
    WEB_CLIENT_PORT,
)

# Re-exported: tools/flows.py reads it from here (components/ports.py is its home).
from .ports import DNS_PORT as DNS_PORT

# Peers that are not Studio components.
INGRESS_CONTROLLER = "ingress-controller"  # studio.entryPeer: the Ingress or Gateway data plane
KUBE_DNS = "kube-dns"  # the cluster DNS in kube-system
KUBERNETES_API = "kubernetes-api"  # kubernetes.apiServerCidrs
OUTSIDE = "outside-the-cluster"  # kubernetes.egressCidrs: RDS, MSK, S3, LLM providers
# Every address: the clients of an entry point whose proxies run in the Studio namespace.
ANYWHERE = "anywhere"
ANYWHERE_CIDRS = ("0.0.0.0/0", "::/0")
# Pods the orchestrated consumers start (Rasa Pro training and running Jobs). Their labels are
# chosen by the consumer images, not by this program; they are the namespace's pods without the
# label contract.
RASA_JOBS = "rasa-pro-jobs"

OUTSIDE_PEERS = (INGRESS_CONTROLLER, KUBE_DNS, KUBERNETES_API, OUTSIDE, ANYWHERE)
# Pods of another namespace, e.g. "namespace:assistants" (kafka.clientNamespaces).
NAMESPACE_PREFIX = "namespace:"


def namespace_peer(namespace: str) -> str:
    return f"{NAMESPACE_PREFIX}{namespace}"


# Helper pod groups (labels.HELPER_OWNER).
TALK_PROXY: PodGroup = "nginx-reverse-proxy"
DATABASE_INIT: PodGroup = "database-init"
KAFKA_TOPICS: PodGroup = "kafka-topics"
MINIO_BUCKET: PodGroup = "minio-bucket"
POSTGRESQL_BACKUP: PodGroup = "postgresql-backup"
POSTGRESQL_RESTORE: PodGroup = "postgresql-restore"

ORCHESTRATORS: tuple[ComponentName, ...] = ("model-training-orchestrator", "model-running-orchestrator")
CONSUMERS: tuple[ComponentName, ...] = ("model-training-consumer", "model-running-consumer")


@dataclass(frozen=True, order=True)
class Flow:
    source: str
    destination: str
    # None: any port (brokers of one cluster talk on their own listeners).
    port: int | None
    protocol: str = "TCP"


def database_endpoint(config: StackConfig) -> tuple[str, int]:
    """The peer PostgreSQL is reached at, and its port."""
    db = config.database
    if isinstance(db, InClusterDatabase):
        return "postgresql", names.POSTGRESQL_PORT
    if isinstance(db, ExternalDatabase):
        return OUTSIDE, db.port
    return OUTSIDE, names.POSTGRESQL_PORT


def _kafka(config: StackConfig) -> list[tuple[str, int]]:
    kafka = config.kafka
    if isinstance(kafka, InClusterKafka):
        return [("kafka", names.KAFKA_PORT)]
    if isinstance(kafka, ExternalKafka):
        return [(OUTSIDE, int(b.rsplit(":", 1)[1])) for b in kafka.brokers]
    return [(OUTSIDE, MSK_SASL_SCRAM_PORT)]


def _object_storage(config: StackConfig) -> tuple[str, int]:
    storage = config.object_storage
    if isinstance(storage, MinioStorage):
        return "object-storage", names.MINIO_PORT
    if isinstance(storage, ExternalStorage) and storage.endpoint:
        url = urlsplit(storage.endpoint)
        return OUTSIDE, url.port or (HTTPS_PORT if url.scheme == "https" else 80)
    return OUTSIDE, HTTPS_PORT


def _keycloak(config: StackConfig) -> tuple[str, int]:
    external = config.studio.keycloak.external
    if external is None:
        return "keycloak", KEYCLOAK_PORT
    url = urlsplit(external.url)
    return OUTSIDE, url.port or (HTTPS_PORT if url.scheme == "https" else 80)


def lock_store_endpoint(config: StackConfig) -> tuple[str, int] | None:
    """The peer the assistant's lock store is reached at, and its port; None: in memory."""
    store = config.assistant.lock_store
    if isinstance(store, InClusterLockStore):
        return "lock-store", REDIS_PORT
    if isinstance(store, ExternalLockStore):
        return OUTSIDE, store.port
    if isinstance(store, ElastiCacheLockStore):
        return OUTSIDE, REDIS_PORT
    return None


def assistant_reaches(
    config: StackConfig, database: str, db_port: int, storage: str, storage_port: int
) -> list[tuple[str, int]]:
    """Where the assistant connects besides Kafka: its tracker store on Studio's PostgreSQL, the
    bucket its model comes from, its lock store, and its LLM providers (an assistant trained in
    Studio calls them, as the model service's do)."""
    found = [(database, db_port), (storage, storage_port), (OUTSIDE, HTTPS_PORT)]
    lock = lock_store_endpoint(config)
    if lock is not None:
        found.append(lock)
    return found


def listener_ports(config: StackConfig) -> tuple[int, ...]:
    """Ports the entry point's proxies accept clients on: those of the Gateway this stack creates
    (80, and 443 with TLS), else HTTP's and HTTPS's. Proxies that run beside their Gateway (Istio,
    NGINX Gateway Fabric) listen on the listener's own port."""
    gateway = config.studio.gateway
    if gateway is not None and gateway.create is not None and not config.studio.tls.enabled:
        return (HTTP_PORT,)
    return (HTTP_PORT, HTTPS_PORT)


def pod_groups(found: list[Flow]) -> list[str]:
    """The groups of pods in the Studio namespace the flows name, each of which gets a policy."""
    peers = {p for f in found for p in (f.source, f.destination)}
    return sorted(p for p in peers - set(OUTSIDE_PEERS) if not p.startswith(NAMESPACE_PREFIX))


def flows(config: StackConfig) -> list[Flow]:
    """Every allowed connection, sorted and without duplicates (DNS is separate: everyone has it)."""
    orchestrated = config.model_service.architecture == "orchestrated"
    database, db_port = database_endpoint(config)
    # No Kafka deployed or connected to when nothing uses it: no flows to it.
    kafka = _kafka(config) if config.kafka_needed else []
    storage, storage_port = _object_storage(config)
    found: list[Flow] = []

    def allow(sources: tuple[str, ...] | list[str], destination: str, port: int | None) -> None:
        found.extend(Flow(s, destination, port) for s in sources)

    def to_kafka(sources: tuple[str, ...] | list[str]) -> None:
        for destination, port in kafka:
            allow(sources, destination, port)

    if config.entry_in_namespace:
        # The proxies live in this namespace, behind its default deny: clients reach them on the
        # listener ports, and they reach their controller for their configuration.
        for port in listener_ports(config):
            allow([ANYWHERE], INGRESS_CONTROLLER, port)
        gateway = config.studio.gateway
        if gateway is not None and gateway.control_plane_namespace is not None:
            allow([INGRESS_CONTROLLER], namespace_peer(gateway.control_plane_namespace), None)
        if config.studio.exposure == "ingress":
            # An Ingress controller is its own control plane: it watches the Ingresses itself.
            for port in KUBERNETES_API_PORTS:
                allow([INGRESS_CONTROLLER], KUBERNETES_API, port)
    # Browsers reach the Studio through the ingress controller.
    allow([INGRESS_CONTROLLER], "web-client", WEB_CLIENT_PORT)
    allow([INGRESS_CONTROLLER], "backend", BACKEND_PORT)
    # An external Keycloak is reached outside the cluster, at the port of its URL.
    keycloak, keycloak_port = _keycloak(config)
    uses_keycloak = config.studio.uses_keycloak
    if uses_keycloak and keycloak == "keycloak":
        allow([INGRESS_CONTROLLER], "keycloak", KEYCLOAK_PORT)
        allow(["keycloak"], database, db_port)

    allow(["backend", "database-migration"], database, db_port)
    if uses_keycloak:
        allow(["backend"], keycloak, keycloak_port)
    if config.studio.event_ingestion.enabled:
        allow(["event-ingestion"], database, db_port)
        to_kafka(["event-ingestion"])

    if orchestrated:
        # /talk goes to the bot proxy, which forwards to the running bot's Service.
        allow([INGRESS_CONTROLLER], TALK_PROXY, TALK_PROXY_PORT)
        allow(["backend"], "model-training-orchestrator", names.MODEL_TRAINING_PORT)
        allow(["backend"], "model-running-orchestrator", names.MODEL_RUNNING_PORT)
        allow(ORCHESTRATORS, database, db_port)
        model_pods = (*ORCHESTRATORS, *CONSUMERS, RASA_JOBS)
        to_kafka(model_pods)
        allow(model_pods, storage, storage_port)
        # Consumers start and watch the Rasa Pro Jobs and report to their orchestrator; the
        # orchestrators run in-cluster with the same account (RUNS_IN_CLUSTER=true, chart 1.2.6).
        for port in KUBERNETES_API_PORTS:
            allow([*ORCHESTRATORS, *CONSUMERS], KUBERNETES_API, port)
        allow(["model-training-consumer"], "model-training-orchestrator", names.MODEL_TRAINING_PORT)
        allow(["model-running-consumer"], "model-running-orchestrator", names.MODEL_RUNNING_PORT)
        # Readiness checks of a started bot, and the talk proxy forwarding to it.
        allow(["model-running-consumer", TALK_PROXY], RASA_JOBS, RASA_PORT)
        # Trained assistants call their LLM providers.
        allow([RASA_JOBS], OUTSIDE, HTTPS_PORT)
    else:
        allow([INGRESS_CONTROLLER], "model-service", MODEL_SERVICE_PORT)
        allow(["backend"], "model-service", MODEL_SERVICE_PORT)
        to_kafka(["model-service"])
        allow(["model-service"], storage, storage_port)
        # The model service checks Studio's tokens against Keycloak (KEYCLOAK_URL).
        if uses_keycloak:
            allow(["model-service"], keycloak, keycloak_port)
        # The assistants it trains and runs call their LLM providers.
        allow(["model-service"], OUTSIDE, HTTPS_PORT)

    if config.assistant.enabled:
        for destination, port in assistant_reaches(config, database, db_port, storage, storage_port):
            allow(["assistant"], destination, port)
        to_kafka(["assistant"])
        # Clients reach its channels (REST, Socket.IO) through the entry point, as Studio's.
        allow([INGRESS_CONTROLLER], "assistant", RASA_PORT)
        action_server = config.assistant.action_server
        if action_server is not None:
            allow(["assistant"], "action-server", action_server.port)
            # Custom actions call the user's own APIs, wherever they are.
            allow(["action-server"], OUTSIDE, HTTPS_PORT)

    # The backing services' setup Jobs are pod groups of their own. They run in the cluster for
    # MSK and RDS too, because only the cluster reaches the private brokers and instances.
    # (The topics Job is a no-op without Kafka, and so gets no flows.)
    to_kafka([KAFKA_TOPICS])
    if isinstance(config.kafka, InClusterKafka) and config.kafka_needed:
        # Brokers replicate and elect controllers on their own listeners.
        allow(["kafka"], "kafka", None)
        # Assistants publish their conversation events from their own namespaces.
        allow([namespace_peer(ns) for ns in config.kafka.client_namespaces], "kafka", names.KAFKA_PORT)
    if not isinstance(config.database, ExternalDatabase):
        # In the cluster and on RDS the program creates Studio's databases; an external server
        # comes with them.
        allow([DATABASE_INIT], database, db_port)
    if storage == "object-storage":
        allow([MINIO_BUCKET], "object-storage", storage_port)
    if isinstance(config.database, InClusterDatabase) and config.database.backup is not None:
        # The dumps go from the server to the bucket, and a restore back.
        movers: list[str] = [POSTGRESQL_BACKUP]
        if config.database.backup.restore_from:
            movers.append(POSTGRESQL_RESTORE)
        allow(movers, database, db_port)
        allow(movers, storage, storage_port)
    return sorted(set(found))
