"""KafkaTopics: an idempotent Job that creates the declared topics with the Kafka CLI.

Works the same against every implementation (in-cluster, MSK, external): it only uses what the
`Kafka` interface hands out. The client config, password included, is written inside the
container from env secretKeyRefs; nothing secret is in a ConfigMap or in the Job spec.

On the in-cluster brokers it also keeps the Studio user's SCRAM credential at the current
password (`ScramUser`), connecting as the admin: the broker only writes credentials when it
formats its storage. Its name has a keyed digest of the passwords, so a rotation re-runs it and
the consumers, which wait for it, restart only once the brokers accept the new password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.batch import v1 as batch
from pulumi_kubernetes.core import v1 as core

from config.backing import Topics
from config.base import ResourceList, Resources

from .. import workload
from ..context import Context
from ..interfaces import Kafka, SecretRef, created
from ..kafka_ca import kafka_ca
from ..labels import ComponentName
from ..waits import JOB_ACTIVE_DEADLINE_SECONDS, job_options, logs_as_termination_message, wait_for
from .common import REPLACE_UNREADY, spec_hash

COMPONENT: ComponentName = "kafka"
# The official image ships the CLI; used for MSK and external brokers too.
DEFAULT_IMAGE = "apache/kafka:3.9.1"
USER = workload.User(uid=1000, gid=1000)
RESOURCES = Resources(
    requests=ResourceList(cpu="100m", memory="384Mi"), limits=ResourceList(cpu="500m", memory="768Mi")
)

# The credentials go into a quoted JAAS value inside a properties file: a JAAS quoted string
# takes \" and \\ escapes (Kafka's JaasConfig reads it with java.io.StreamTokenizer), and the
# properties file then wants every backslash doubled. config/ refuses a kafkaPassword that needs
# this; an external Kafka's password comes from the user's own Secret.
SCRIPT = (
    """\
set -eu
conf=/tmp/client.properties
escape() { printf '%s' "$1" | sed -e 's/[\\\\"]/\\\\&/g' -e 's/\\\\/\\\\\\\\/g'; }
# Each attempt of the wait below gives up within these (the client defaults are 30 s and 60 s).
printf 'security.protocol=%s\\nrequest.timeout.ms=10000\\ndefault.api.timeout.ms=15000\\n' \\
  "$KAFKA_SECURITY_PROTOCOL" > "$conf"
if [ -n "${KAFKA_SASL_MECHANISM:-}" ]; then
  case "$KAFKA_SASL_MECHANISM" in
    PLAIN) module=org.apache.kafka.common.security.plain.PlainLoginModule ;;
    *) module=org.apache.kafka.common.security.scram.ScramLoginModule ;;
  esac
  echo "sasl.mechanism=${KAFKA_SASL_MECHANISM}" >> "$conf"
  # printf, not echo: dash's echo would interpret the backslashes.
  printf '%s required username="%s" password="%s";\\n' "sasl.jaas.config=${module}" \\
    "$(escape "$KAFKA_SASL_USERNAME")" "$(escape "$KAFKA_SASL_PASSWORD")" >> "$conf"
fi
if [ -f /etc/kafka/ca/ca.crt ]; then
  echo "ssl.truststore.type=PEM" >> "$conf"
  echo "ssl.truststore.location=/etc/kafka/ca/ca.crt" >> "$conf"
fi
topics() { /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config "$conf" "$@"; }
"""
    + wait_for("Kafka at $KAFKA_BOOTSTRAP_SERVERS", "topics --list >/dev/null")
    + """\
if [ -n "${KAFKA_SCRAM_USER:-}" ]; then
  echo "setting the SCRAM-SHA-512 credential of $KAFKA_SCRAM_USER"
  /opt/kafka/bin/kafka-configs.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config "$conf" \\
    --alter --entity-type users --entity-name "$KAFKA_SCRAM_USER" \\
    --add-config "SCRAM-SHA-512=[password=${KAFKA_SCRAM_PASSWORD}]"
fi
for topic in $KAFKA_TOPICS; do
  echo "creating topic $topic"
  topics --create --if-not-exists --topic "$topic" \\
    --partitions "$KAFKA_PARTITIONS" --replication-factor "$KAFKA_REPLICATION_FACTOR"
done
"""
)

# The assistant's user (components/backing/assistant_access.py), set the same way; in the script
# only when the assistant is enabled, so Studio's Job is unchanged without it.
ASSISTANT_SCRAM = """\
echo "setting the SCRAM-SHA-512 credential of $KAFKA_ASSISTANT_USER"
/opt/kafka/bin/kafka-configs.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config "$conf" \\
  --alter --entity-type users --entity-name "$KAFKA_ASSISTANT_USER" \\
  --add-config "SCRAM-SHA-512=[password=${KAFKA_ASSISTANT_PASSWORD}]"
"""


def cli_mechanism(mechanism: str | None) -> str:
    """Studio spells PLAIN in lower case (KAFKA_SASL_MECHANISM=plain); the Java client does not."""
    if mechanism is None:
        return ""
    return "PLAIN" if mechanism.lower() == "plain" else mechanism


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM user the Job sets to `password`, connecting as `admin_username` (in-cluster brokers).

    The password must be one `--add-config` can carry (config/secrets.py SCRAM_UNSAFE)."""

    username: str
    password: SecretRef
    admin_username: str
    admin_password: SecretRef
    # The assistant's producer user and its password (assistant_access.py), when enabled.
    assistant: tuple[str, SecretRef] | None = None


def job_name(topics: Sequence[str], spec: Topics, credentials: str = "") -> str:
    """Changes exactly when the topic spec or the credentials (a keyed digest) do, so Pulumi
    replaces (re-runs) the Job."""
    named: dict[str, object] = {
        "topics": sorted(topics),
        "partitions": spec.partitions,
        "replicationFactor": spec.replication_factor,
    }
    if credentials:
        named["credentials"] = credentials
    return f"kafka-topics-{spec_hash(named)}"


def topics_pod(
    ctx: Context,
    kafka: Kafka,
    topics: Sequence[str],
    spec: Topics,
    image: str = DEFAULT_IMAGE,
    scram_user: ScramUser | None = None,
) -> core.PodTemplateSpecArgs:
    """The Job's pod: creates the topics and, with `scram_user`, sets that user's password."""
    env = [
        workload.env_value("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers),
        workload.env_value("KAFKA_SECURITY_PROTOCOL", kafka.security_protocol),
        workload.env_value("KAFKA_SASL_MECHANISM", cli_mechanism(kafka.sasl_mechanism)),
        workload.env_value("KAFKA_TOPICS", " ".join(topics)),
        workload.env_value("KAFKA_PARTITIONS", str(spec.partitions)),
        workload.env_value("KAFKA_REPLICATION_FACTOR", str(spec.replication_factor)),
        workload.env_value("LOG_DIR", "/tmp/kafka-logs"),
    ]
    if scram_user is not None:
        env += [
            workload.env_value("KAFKA_SASL_USERNAME", scram_user.admin_username),
            workload.env_secret("KAFKA_SASL_PASSWORD", scram_user.admin_password.name, scram_user.admin_password.key),
            workload.env_value("KAFKA_SCRAM_USER", scram_user.username),
            workload.env_secret("KAFKA_SCRAM_PASSWORD", scram_user.password.name, scram_user.password.key),
        ]
        if scram_user.assistant is not None:
            user, password = scram_user.assistant
            env += [
                workload.env_value("KAFKA_ASSISTANT_USER", user),
                workload.env_secret("KAFKA_ASSISTANT_PASSWORD", password.name, password.key),
            ]
    elif kafka.username is not None and kafka.password is not None:
        env += [
            workload.env_value("KAFKA_SASL_USERNAME", kafka.username),
            workload.env_secret("KAFKA_SASL_PASSWORD", kafka.password.name, kafka.password.key),
        ]
    mounts = [workload.mount("tmp", "/tmp")]
    volumes = [workload.empty_dir("tmp", "64Mi")]
    ca_volumes, ca_mounts = kafka_ca(kafka, "/etc/kafka/ca", name="ca")
    mounts += ca_mounts
    volumes += ca_volumes
    cli = logs_as_termination_message(
        workload.container(
            "kafka-topics",
            image,
            user=USER,
            resources=workload.resources(RESOURCES),
            env=env,
            command=["sh", "-c", SCRIPT + (ASSISTANT_SCRAM if scram_user and scram_user.assistant else "")],
            volume_mounts=mounts,
        )
    )
    return workload.pod_template(
        # A pod group of its own (labels.HELPER_OWNER): the Job has its own flows.
        ctx.pod_labels("kafka-topics"),
        workload.pod_spec([cli], user=USER, volumes=volumes, restart_policy="OnFailure"),
        pod_settings=ctx.pod_settings("kafka-topics"),
    )


class KafkaTopics(pulumi.ComponentResource):
    job: batch.Job

    def __init__(
        self,
        name: str,
        ctx: Context,
        kafka: Kafka,
        topics: Sequence[str],
        spec: Topics,
        image: str = DEFAULT_IMAGE,
        opts: pulumi.ResourceOptions | None = None,
        *,
        scram_user: ScramUser | None = None,
        # A keyed digest of the passwords the Job uses or sets (StudioSecrets.digest); None where
        # they live in the user's own Secret.
        credentials: pulumi.Output[str] | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:KafkaTopics", name, None, opts)
        self.job = batch.Job(
            f"{name}-job",
            metadata=ctx.metadata(
                job_name(topics, spec)
                if credentials is None
                else credentials.apply(lambda digest: job_name(topics, spec, digest)),
                COMPONENT,
                annotations=dict(REPLACE_UNREADY),
            ),
            spec=batch.JobSpecArgs(
                backoff_limit=6,
                active_deadline_seconds=JOB_ACTIVE_DEADLINE_SECONDS,
                template=topics_pod(ctx, kafka, topics, spec, image, scram_user),
            ),
            # The brokers must accept clients before the Job can create anything.
            opts=job_options(
                self,
                [
                    *kafka.ready,
                    *created(
                        kafka.password,
                        *((scram_user.password, scram_user.admin_password) if scram_user else ()),
                        *((scram_user.assistant[1],) if scram_user and scram_user.assistant else ()),
                    ),
                ],
            ),
        )
        self.register_outputs({"job": self.job.metadata.name})
