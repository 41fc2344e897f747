"""MSK Kafka: a managed cluster in the EKS cluster's VPC, TLS everywhere, SASL/SCRAM clients.

The Studio user's SCRAM credentials live in Secrets Manager (MSK requires the `AmazonMSK_`
name prefix and a customer-managed KMS key) and are associated with the cluster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
from pulumi_aws import cloudwatch, ec2, kms, msk, secretsmanager

from config.backing import MskKafka

from ..context import Context
from ..foundation import AwsFoundation
from ..interfaces import Kafka, SecretRef
from ..secrets import KAFKA_SASL_PASSWORD, StudioSecrets
from .aws_common import clients_only_security_group, customer_key
from .common import aws_name, stateful
from .kafka_in_cluster import STUDIO_USER

SCRAM_PORT = 9096
# A creation still running after an hour is stuck, not slow (provisioned clusters come up in well
# under that); failing it then leaves time inside the CI job to say so, where
# terraform-provider-aws' default (internal/service/kafka/cluster.go: 120m) would not. Updates
# keep the default: a version upgrade or instance change rolls the brokers one at a time.
TIMEOUTS = pulumi.CustomTimeouts(create="60m", update="120m", delete="60m")


def server_properties(brokers: int, replication_factor: int) -> str:
    """The MSK configuration: no implicit topics, and durable defaults for the ones we create."""
    min_isr = max(1, min(replication_factor, brokers) - 1)
    props = {
        "auto.create.topics.enable": "false",
        "default.replication.factor": str(min(replication_factor, brokers)),
        "min.insync.replicas": str(min_isr),
        "num.partitions": "1",
        "offsets.topic.replication.factor": str(min(3, brokers)),
        "transaction.state.log.replication.factor": str(min(3, brokers)),
        "transaction.state.log.min.isr": str(max(1, min(3, brokers) - 1)),
        "unclean.leader.election.enable": "false",
    }
    return "".join(f"{k}={v}\n" for k, v in sorted(props.items()))


# The Kafka version the program has always defaulted to: stacks created with it keep the
# configuration name they were created with (a new name would swap the configuration, a rolling
# restart of every broker, for nothing).
FIRST_KAFKA_VERSION = "3.6.0"


def configuration_name(cluster_name: str, kafka_version: str) -> str:
    """An MSK configuration's Kafka versions are force-new and its name unique in the account: a
    Kafka upgrade creates the next configuration under its own name before the old one goes."""
    if kafka_version == FIRST_KAFKA_VERSION:
        return cluster_name
    return f"{cluster_name}-{kafka_version.replace('.', '-')}"


def broker_log_group_name(cluster_name: str) -> str:
    """Under /aws/vendedlogs/: MSK's broker logs are vended logs, and the account's CloudWatch Logs
    resource policy, which delivery to any other group extends, is limited to 5,120 characters
    (Amazon CloudWatch Logs User Guide, "Enabling logging from AWS services",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html)."""
    return f"/aws/vendedlogs/msk/{cluster_name}"


def scram_secret_name(ctx: Context, principal: str = "studio") -> str:
    # MSK only associates secrets whose name starts with AmazonMSK_.
    return f"AmazonMSK_{aws_name(ctx, f'kafka-{principal}')}"


def kafka_interface(
    bootstrap_servers: pulumi.Input[str], password: SecretRef, ready: Sequence[pulumi.Resource] = ()
) -> Kafka:
    """What Studio's clients get: the brokers' SASL/SCRAM listeners (TLS), as the Studio user."""
    return Kafka(
        bootstrap_servers=bootstrap_servers,
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        username=STUDIO_USER,
        password=password,
        ready=list(ready),
    )


class MskKafkaService(pulumi.ComponentResource):
    key: kms.Key
    security_group: ec2.SecurityGroup
    configuration: msk.Configuration
    cluster: msk.Cluster
    scram_secret: secretsmanager.Secret
    scram_association: msk.ScramSecretAssociation
    # The assistant's SCRAM credentials (None unless assistant.enabled).
    assistant_scram_secret: secretsmanager.Secret | None
    kafka: Kafka

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: MskKafka,
        aws: AwsFoundation,
        secrets: StudioSecrets,
        opts: pulumi.ResourceOptions | None = None,
        *,
        # The assistant's SCRAM user and password (assistant_access.py), when enabled.
        assistant: tuple[str, pulumi.Output[str]] | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:MskKafka", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster_name = aws_name(ctx, "kafka")
        # kafka.subnetIds pins the brokers' subnets, else the foundation's private subnets.
        subnets: pulumi.Input[Sequence[str]] = list(cfg.subnet_ids) if cfg.subnet_ids is not None else aws.subnet_ids
        brokers = cfg.brokers_per_subnet * cfg.zone_count(aws.zone_count)

        # One customer key for the data at rest and the SCRAM secret; losing it loses both.
        self.key = customer_key(name, f"{cluster_name}: MSK storage and SCRAM credentials", ctx, self)
        # config/stack.py requires aws.clientSecurityGroupIds for kafka.mode msk.
        # The descriptions are the ones existing stacks were created with (immutable in AWS).
        self.security_group = clients_only_security_group(
            name,
            description=f"{cluster_name}: SASL/SCRAM over TLS from the EKS nodes only",
            rule="Kafka SASL/SCRAM (TLS) from the EKS nodes",
            vpc_id=aws.vpc_id,
            port=SCRAM_PORT,
            client_security_group_ids=aws.client_security_group_ids,
            parent=self,
        )
        self.configuration = msk.Configuration(
            f"{name}-configuration",
            name=configuration_name(cluster_name, cfg.kafka_version),
            kafka_versions=[cfg.kafka_version],
            server_properties=server_properties(brokers, cfg.topics.replication_factor),
            opts=child,
        )
        logging = None
        if cfg.broker_log_retention_days is not None:
            log_group = cloudwatch.LogGroup(
                f"{name}-broker-logs",
                name=broker_log_group_name(cluster_name),
                retention_in_days=cfg.broker_log_retention_days,
                # A stack created with the earlier /aws/msk/ name gets a new group; the old one (and
                # its logs, until their retention ends) stays in protected stacks.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=ctx.protect),
            )
            logging = msk.ClusterLoggingInfoArgs(
                broker_logs=msk.ClusterLoggingInfoBrokerLogsArgs(
                    cloudwatch_logs=msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                        enabled=True, log_group=log_group.name
                    )
                )
            )
        self.cluster = msk.Cluster(
            f"{name}-cluster",
            cluster_name=cluster_name,
            kafka_version=cfg.kafka_version,
            number_of_broker_nodes=brokers,
            broker_node_group_info=msk.ClusterBrokerNodeGroupInfoArgs(
                instance_type=cfg.instance_type,
                # Force-new in MSK: kafka.subnetIds pins them while aws.subnetIds grows.
                client_subnets=subnets,
                security_groups=[self.security_group.id],
                storage_info=msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                        volume_size=cfg.volume_size_gib
                    )
                ),
            ),
            encryption_info=msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=self.key.arn,
                encryption_in_transit=msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True
                ),
            ),
            client_authentication=msk.ClusterClientAuthenticationArgs(
                sasl=msk.ClusterClientAuthenticationSaslArgs(scram=True, iam=False),
                unauthenticated=False,
            ),
            configuration_info=msk.ClusterConfigurationInfoArgs(
                arn=self.configuration.arn, revision=self.configuration.latest_revision
            ),
            enhanced_monitoring=cfg.enhanced_monitoring,
            logging_info=logging,
            opts=stateful(ctx, self, custom_timeouts=TIMEOUTS),
        )
        self.scram_secret = secretsmanager.Secret(
            f"{name}-scram",
            name=scram_secret_name(ctx),
            description=f"{cluster_name}: SASL/SCRAM credentials of the Studio user",
            kms_key_id=self.key.arn,
            # Deleted at once, not after AWS's 30-day default: a deleted secret keeps its name
            # reserved for the whole window, so the `up` that recovers from a destroy could not
            # create it again. Nothing is lost: the value is the stack's own kafka password.
            recovery_window_in_days=0,
            # Protected with the brokers: a destroy deletes everything unprotected first, and
            # without this secret every Studio client fails to authenticate.
            opts=stateful(ctx, self),
        )
        scram_json: pulumi.Output[str] = pulumi.Output.secret(
            secrets.kafka_password.apply(lambda pw: json.dumps({"username": STUDIO_USER, "password": pw}))
        )
        secret_value = secretsmanager.SecretVersion(
            f"{name}-scram-value",
            secret_id=self.scram_secret.id,
            secret_string=scram_json,
            # Retained rather than protected: a new kafka password replaces the version
            # (secret_string is ForceNew, terraform-provider-aws internal/service/secretsmanager/
            # secret_version.go), which protect would refuse. Left in place, a destroy never
            # touches the value the brokers check, and a replaced version stays AWSPREVIOUS.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=ctx.protect),
        )
        secret_arns = [self.scram_secret.arn]
        secret_values = [secret_value]
        self.assistant_scram_secret = None
        if assistant is not None:
            self.assistant_scram_secret, assistant_value = self._assistant_secret(name, ctx, cluster_name, *assistant)
            secret_arns.append(self.assistant_scram_secret.arn)
            secret_values.append(assistant_value)
        # One association holds every secret: the resource owns the cluster's whole list and
        # disassociates any secret not in it (terraform-provider-aws internal/service/kafka/
        # scram_secret_association.go), so the assistant's joins Studio's here, an in-place update
        # (batch associate of the difference). A second association, or an
        # msk.SingleScramSecretAssociation beside this one, would be undone by it on every update.
        self.scram_association = msk.ScramSecretAssociation(
            f"{name}-scram-association",
            cluster_arn=self.cluster.arn,
            secret_arn_lists=secret_arns,
            opts=stateful(ctx, self, depends_on=secret_values),
        )
        self.kafka = kafka_interface(
            self.cluster.bootstrap_brokers_sasl_scram,
            secrets.ref(KAFKA_SASL_PASSWORD),
            [self.cluster, self.scram_association],
        )
        self.register_outputs({"bootstrapServers": self.cluster.bootstrap_brokers_sasl_scram})

    def _assistant_secret(
        self, name: str, ctx: Context, cluster_name: str, username: str, password: pulumi.Output[str]
    ) -> tuple[secretsmanager.Secret, secretsmanager.SecretVersion]:
        """The assistant's SCRAM credentials, kept like Studio's (same key, protection, retention)."""
        secret = secretsmanager.Secret(
            f"{name}-assistant-scram",
            name=scram_secret_name(ctx, "assistant"),
            description=f"{cluster_name}: SASL/SCRAM credentials of the assistant next to Studio",
            kms_key_id=self.key.arn,
            recovery_window_in_days=0,
            opts=stateful(ctx, self),
        )
        value: pulumi.Output[str] = pulumi.Output.secret(
            password.apply(lambda pw: json.dumps({"username": username, "password": pw}))
        )
        version = secretsmanager.SecretVersion(
            f"{name}-assistant-scram-value",
            secret_id=secret.id,
            secret_string=value,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=ctx.protect),
        )
        return secret, version
