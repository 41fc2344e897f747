"""In-cluster Kafka: the official apache/kafka image in KRaft mode (no ZooKeeper), SASL/SCRAM.

Every node is broker and controller. SCRAM users can only be bootstrapped when the storage is
formatted (`kafka-storage format --add-scram`), so the start script formats on first start and
then runs the server. The controller listener stays PLAINTEXT: KRaft controllers cannot
authenticate with SCRAM (KIP-900 bootstraps the credentials only for brokers), so a
NetworkPolicy (components/network.py) admits only the Kafka pods to it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import pulumi
import pulumi_random as random
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core

from config import StackConfig
from config.backing import InClusterKafka
from config.sizing import memory_bytes
from config.workloads import fixed_resources

from .. import workload
from ..availability import disruption_budget
from ..context import Context
from ..interfaces import Kafka, SecretRef
from ..labels import ComponentName
from ..names import KAFKA_SERVICE
from ..ports import KAFKA_CONTROLLER_PORT, KAFKA_PORT
from ..requirements import requirements
from ..secrets import KAFKA_SASL_PASSWORD, StudioSecrets
from .common import (
    admin_credentials,
    data_stateful_set,
    grow_claims,
    spec_hash,
    tcp_probe,
    with_probes,
)
from .kafka_retention import Retention, partitions_per_broker, retention
from .kafka_topics import ScramUser

COMPONENT: ComponentName = "kafka"
HEADLESS_SERVICE = f"{KAFKA_SERVICE}-headless"
STUDIO_USER = "studio"
ADMIN_USER = "admin"
ADMIN_SECRET = "kafka-admin"
SCRIPT_CONFIG_MAP = "kafka-scripts"
DATA_DIR = "/var/lib/kafka/data"
# apache/kafka runs as appuser (uid/gid 1000).
USER = workload.User(uid=1000, gid=1000)
DEFAULT_RESOURCES = fixed_resources("kafka")


def cluster_id(instance: str, namespace: str) -> str:
    """A KRaft cluster id (a base64url UUID, 22 chars) that never changes for one deployment.

    Formatted storage remembers the id; a different one on restart would refuse to start.
    """
    digest = hashlib.sha256(f"rasa-studio/{instance}/{namespace}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def pod_host(ordinal: int, namespace: str) -> str:
    return f"{KAFKA_SERVICE}-{ordinal}.{HEADLESS_SERVICE}.{namespace}.svc.cluster.local"


def quorum_voters(brokers: int, namespace: str) -> str:
    """KAFKA_CONTROLLER_QUORUM_VOTERS: node id = StatefulSet ordinal, at the pod's stable DNS name."""
    return ",".join(f"{i}@{pod_host(i, namespace)}:{KAFKA_CONTROLLER_PORT}" for i in range(brokers))


def topic_retention(config: StackConfig) -> Retention:
    """Retention of the in-cluster brokers: bounded by the volume (kafka_retention.py)."""
    kafka = config.kafka
    assert isinstance(kafka, InClusterKafka)
    per_broker = partitions_per_broker(
        len(requirements(config).topics), kafka.topics.partitions, kafka.topics.replication_factor, kafka.brokers
    )
    return retention(memory_bytes(kafka.storage_size), per_broker)


def server_properties(brokers: int, namespace: str, bounded: Retention | None = None) -> str:
    """The static part of server.properties; no credentials (those are added at start from env)."""
    replicas = min(brokers, 3)
    min_isr = 2 if brokers >= 3 else 1
    lines = {
        "process.roles": "broker,controller",
        "controller.quorum.voters": quorum_voters(brokers, namespace),
        "controller.listener.names": "CONTROLLER",
        "listeners": f"SASL_PLAINTEXT://:{KAFKA_PORT},CONTROLLER://:{KAFKA_CONTROLLER_PORT}",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "log.dirs": f"{DATA_DIR}/logs",
        # Topics come from the topic Job only: a typo in a client must not create a topic.
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(replicas),
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": str(min_isr),
        **(bounded.properties() if bounded is not None else {}),
    }
    return "".join(f"{k}={v}\n" for k, v in sorted(lines.items()))


# The broker logs to the console only (kubectl logs), as the image's own entrypoint configures it
# (apache/kafka, docker/resources/common-scripts/log4j.properties): the distribution's default
# log4j.properties writes dated files into LOG_DIR (the /tmp emptyDir) and never deletes them.
LOG4J_PROPERTIES = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
"""
# kafka-server-start.sh passes `-loggc` unless EXTRA_ARGS says otherwise, and kafka-run-class.sh
# then writes GC logs of up to 10 x 100M into LOG_DIR: no GC log file.
EXTRA_ARGS = "-name kafkaServer"

# Runs under `sh` (busybox in the image). Writes the full config into an emptyDir; the
# passwords come from env (secretKeyRef), never from the ConfigMap.
# The SCRAM users are formatted with `--add-scram 'SCRAM-SHA-512=[name=N,password=P]'`, which
# splits at ',' and strips surrounding '"' (apache/kafka,
# metadata/src/main/java/org/apache/kafka/metadata/storage/ScramParser.java; releases before 3.9
# also split at brackets), and clients quote the password in a JAAS line. config/secrets.py
# refuses such a kafkaPassword; the guard below catches a Secret edited by hand.
START_SCRIPT = """\
set -eu
case "${KAFKA_ADMIN_PASSWORD}${KAFKA_STUDIO_PASSWORD}" in
  *[],[\\"\\\\]*)
    echo "a Kafka password contains one of , [ ] \\" \\\\ which kafka-storage --add-scram and JAAS cannot carry" >&2
    exit 1 ;;
esac
ordinal="${POD_NAME##*-}"
conf=/opt/kafka/runtime/server.properties
cp /opt/kafka/static/server.properties "$conf"
{
  echo "node.id=${ordinal}"
  echo "advertised.listeners=SASL_PLAINTEXT://${POD_NAME}.${KAFKA_HEADLESS_SERVICE}.${POD_NAMESPACE}.svc.cluster.local:9092"
  echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"${KAFKA_ADMIN_USER}\\" password=\\"${KAFKA_ADMIN_PASSWORD}\\";"
} >> "$conf"
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$KAFKA_CLUSTER_ID" --config "$conf" \\
  --add-scram "SCRAM-SHA-512=[name=${KAFKA_ADMIN_USER},password=${KAFKA_ADMIN_PASSWORD}]" \\
  --add-scram "SCRAM-SHA-512=[name=${KAFKA_STUDIO_USER},password=${KAFKA_STUDIO_PASSWORD}]"
exec /opt/kafka/bin/kafka-server-start.sh "$conf"
"""


def kafka_pod(ctx: Context, cfg: InClusterKafka, secret_name: str, config_checksum: str) -> core.PodTemplateSpecArgs:
    """The brokers' pod; `config_checksum` of the scripts ConfigMap rolls them when it changes."""
    ns = ctx.namespace_name
    selector = ctx.selector(COMPONENT)
    env = [
        workload.env_value("KAFKA_CLUSTER_ID", cluster_id(ctx.instance, ns)),
        workload.env_value("KAFKA_HEADLESS_SERVICE", HEADLESS_SERVICE),
        workload.env_value("KAFKA_ADMIN_USER", ADMIN_USER),
        workload.env_secret("KAFKA_ADMIN_PASSWORD", ADMIN_SECRET, "password"),
        workload.env_value("KAFKA_STUDIO_USER", STUDIO_USER),
        workload.env_secret("KAFKA_STUDIO_PASSWORD", secret_name, KAFKA_SASL_PASSWORD),
        core.EnvVarArgs(
            name="POD_NAMESPACE",
            value_from=core.EnvVarSourceArgs(field_ref=core.ObjectFieldSelectorArgs(field_path="metadata.namespace")),
        ),
        core.EnvVarArgs(
            name="POD_NAME",
            value_from=core.EnvVarSourceArgs(field_ref=core.ObjectFieldSelectorArgs(field_path="metadata.name")),
        ),
        # kafka-run-class.sh creates LOG_DIR (the image is read-only); nothing is written there:
        # log4j goes to the console and GC logging is off.
        workload.env_value("LOG_DIR", "/tmp/kafka-logs"),
        workload.env_value("KAFKA_LOG4J_OPTS", "-Dlog4j.configuration=file:/opt/kafka/static/log4j.properties"),
        workload.env_value("EXTRA_ARGS", EXTRA_ARGS),
        workload.env_value("KAFKA_HEAP_OPTS", "-Xms512m -Xmx1g"),
    ]
    broker = with_probes(
        workload.container(
            "kafka",
            f"{cfg.image}:{cfg.tag}",
            user=USER,
            resources=workload.resources(DEFAULT_RESOURCES, cfg.resources),
            ports={"client": KAFKA_PORT, "controller": KAFKA_CONTROLLER_PORT},
            env=env,
            command=["sh", "/opt/kafka/static/start.sh"],
            volume_mounts=[
                workload.mount("data", DATA_DIR),
                workload.mount("static", "/opt/kafka/static", read_only=True),
                workload.mount("runtime", "/opt/kafka/runtime"),
                workload.mount("tmp", "/tmp"),
            ],
        ),
        # The client listener opens once the broker has joined the quorum.
        readiness=tcp_probe(KAFKA_PORT, initial_delay=10),
        # The controller listener answers even while the broker waits for the quorum.
        liveness=tcp_probe(KAFKA_CONTROLLER_PORT, initial_delay=60, period=20),
    )
    spec = workload.pod_spec(
        [broker],
        user=USER,
        fs_group=USER.gid,
        termination_grace_period_seconds=60,
        volumes=[
            core.VolumeArgs(name="static", config_map=core.ConfigMapVolumeSourceArgs(name=SCRIPT_CONFIG_MAP)),
            workload.empty_dir("runtime", "16Mi"),
            # JVM scratch only (hsperfdata, native compression libraries): logs go to the console.
            workload.empty_dir("tmp", "256Mi"),
        ],
        topology_spread_constraints=workload.topology_spread(selector, ctx.config.kubernetes.topology_spread),
    )
    return workload.pod_template(
        ctx.labels(COMPONENT), spec, {"checksum/config": config_checksum}, ctx.pod_settings("kafka")
    )


def scram_user(password: SecretRef, admin_secret: pulumi.Resource | None = None) -> ScramUser:
    """The Studio user the topics Job keeps, logging in as the admin of ADMIN_SECRET."""
    return ScramUser(
        username=STUDIO_USER,
        password=password,
        admin_username=ADMIN_USER,
        admin_password=SecretRef(ADMIN_SECRET, "password", admin_secret),
    )


def kafka_interface(ctx: Context, password: SecretRef, ready: Sequence[pulumi.Resource] = ()) -> Kafka:
    """What Studio's clients get: the brokers' Service, SASL/SCRAM as the Studio user."""
    return Kafka(
        bootstrap_servers=f"{ctx.service_host(KAFKA_SERVICE)}:{KAFKA_PORT}",
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        username=STUDIO_USER,
        password=password,
        ready=list(ready),
    )


class InClusterKafkaService(pulumi.ComponentResource):
    admin_password: random.RandomPassword
    admin_secret: core.Secret
    scripts: core.ConfigMap
    headless_service: core.Service
    service: core.Service
    stateful_set: apps.StatefulSet
    # Hold (and grow) the storage request of each claim the StatefulSet made.
    claims: list[core.PersistentVolumeClaimPatch]
    kafka: Kafka
    # What the topics Job keeps the Studio user's credential with, and a keyed digest of it.
    scram_user: ScramUser
    credentials: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: InClusterKafka,
        secrets: StudioSecrets,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:InClusterKafka", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = ctx.namespace_name
        selector = ctx.selector(COMPONENT)

        # The admin's SCRAM credentials are formatted into the storage at first start, and the
        # brokers authenticate to each other with them: no rotation counter (a new password would
        # have to reach every broker's storage and JAAS line at once), protected with the data.
        self.admin_password, self.admin_secret = admin_credentials(name, ctx, COMPONENT, ADMIN_SECRET, ADMIN_USER, self)
        self.scripts = core.ConfigMap(
            f"{name}-scripts",
            metadata=ctx.metadata(SCRIPT_CONFIG_MAP, COMPONENT),
            data=(
                scripts := {
                    "log4j.properties": LOG4J_PROPERTIES,
                    "server.properties": server_properties(cfg.brokers, ns, topic_retention(ctx.config)),
                    "start.sh": START_SCRIPT,
                }
            ),
            opts=child,
        )
        ports = [core.ServicePortArgs(name="client", port=KAFKA_PORT, target_port="client", protocol="TCP")]
        self.headless_service = core.Service(
            f"{name}-headless",
            metadata=ctx.metadata(HEADLESS_SERVICE, COMPONENT),
            spec=core.ServiceSpecArgs(
                cluster_ip="None",
                # Peers must resolve each other before they are ready, or the quorum never forms.
                publish_not_ready_addresses=True,
                selector=selector,
                ports=[
                    *ports,
                    core.ServicePortArgs(
                        name="controller", port=KAFKA_CONTROLLER_PORT, target_port="controller", protocol="TCP"
                    ),
                ],
            ),
            opts=child,
        )
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(KAFKA_SERVICE, COMPONENT),
            spec=core.ServiceSpecArgs(type="ClusterIP", selector=selector, ports=ports),
            opts=child,
        )

        self.stateful_set = data_stateful_set(
            f"{name}-statefulset",
            ctx,
            COMPONENT,
            KAFKA_SERVICE,
            # Restart the brokers when their configuration changes.
            kafka_pod(ctx, cfg, secrets.name, spec_hash(scripts, 16)),
            cfg.storage_size,
            parent=self,
            depends_on=[self.admin_secret, self.scripts, secrets.secret],
            replicas=cfg.brokers,
            service_name=HEADLESS_SERVICE,
            # All nodes start together: with OrderedReady node 0 would wait for a quorum
            # that needs the nodes not yet started.
            pod_management_policy="Parallel",
        )
        self.claims = grow_claims(name, ctx, self.stateful_set, KAFKA_SERVICE, cfg.brokers, cfg.storage_size, self)
        disruption_budget(f"{name}-pdb", ctx, COMPONENT, KAFKA_SERVICE, cfg.brokers, child)

        # The brokers read the Studio user's password only when they format their storage (no
        # checksum, no restart on a new one): the topics Job sets it on the running brokers.
        self.scram_user = scram_user(secrets.ref(KAFKA_SASL_PASSWORD), self.admin_secret)
        self.credentials = secrets.digest(self.admin_password.result, secrets.kafka_password)
        self.kafka = kafka_interface(ctx, secrets.ref(KAFKA_SASL_PASSWORD), [self.stateful_set])
        self.register_outputs({"bootstrapServers": self.kafka.bootstrap_servers})
