"""`kafka`, `database`, `objectStorage`: the backing services, each chosen by `mode`."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from . import k8s_validation as v
from .aws import SubnetId, aws_regions
from .base import (
    DnsLabel,
    DnsSubdomain,
    Host,
    HostPort,
    HttpUrl,
    ImageRepository,
    ImageTag,
    Model,
    Port,
    Quantity,
    Region,
    Resources,
    SecretKeyRef,
)
from .errors import InvalidKey
from .pods import PodSettings

# Volume claims: whole bytes; PostgreSQL and Kafka also need room for their logs (>= 1Gi).
VolumeSize = Annotated[Quantity, AfterValidator(v.volume_size)]
DataVolumeSize = Annotated[Quantity, AfterValidator(v.data_volume_size)]

# --- Kafka -------------------------------------------------------------------------------

SaslMechanism = Literal["plain", "SCRAM-SHA-256", "SCRAM-SHA-512"]
SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"]
# Kafka allows far more, but every partition costs broker memory and file handles, and Studio reads
# each topic with one consumer group of a few pods: beyond 1000 a value is a typo.
MAX_PARTITIONS = 1000
# A replication factor is an int16 in Kafka's CreateTopics request; where the stack runs the
# brokers, the broker count bounds it further (config/stack.py).
MAX_REPLICATION_FACTOR = 32767
# Every in-cluster broker is also a KRaft voter and each write waits for a majority of them; Kafka
# recommends 3 or 5 controllers, and more than 9 voters only slow the quorum down.
MAX_IN_CLUSTER_BROKERS = 9
# MSK's default quota is 30 brokers per cluster (docs.aws.amazon.com/msk/latest/developerguide/limits.html).
MAX_MSK_BROKERS = 30


class Topics(Model):
    """How the topics the components declare are created."""

    partitions: Annotated[int, Field(ge=1, le=MAX_PARTITIONS)] = 1
    """Partitions of the topics the stack creates."""
    replication_factor: Annotated[int, Field(ge=1, le=MAX_REPLICATION_FACTOR)] = 1
    """Replication factor of those topics (at most the broker count)."""


class _Kafka(Model):
    topics: Topics = Topics()
    topics_job: PodSettings = PodSettings()
    """The Job that creates the topics, whatever runs the brokers."""


class InClusterKafka(_Kafka, PodSettings):
    mode: Literal["in-cluster"]
    image: ImageRepository = "apache/kafka"
    """Kafka image (KRaft mode)."""
    tag: ImageTag = "3.9.1"
    """Image tag."""
    # Every broker is also a KRaft controller with a static voter list: changing the count of a
    # running cluster needs a controller migration, not just a new replica count.
    brokers: Annotated[int, Field(ge=1, le=MAX_IN_CLUSTER_BROKERS)] = 1
    """Brokers (in-cluster: StatefulSet replicas; external: `host:port` bootstrap addresses)."""
    storage_size: DataVolumeSize = "10Gi"
    """Volume size per broker."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""
    client_namespaces: list[DnsLabel] = []
    """
    Namespaces whose pods may reach the brokers (the Rasa Pro assistants that publish events); the Studio namespace's
    own clients are always admitted.
    """


class MskKafka(_Kafka):
    mode: Literal["msk"]
    kafka_version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")] = "3.6.0"
    """MSK Kafka version."""
    instance_type: Annotated[str, Field(pattern=r"^kafka\.[a-z0-9]+\.[a-z0-9]+$")] = "kafka.m7g.large"
    """MSK broker instance type."""
    brokers_per_subnet: Annotated[int, Field(ge=1, le=MAX_MSK_BROKERS)] = 1
    """One broker per subnet (and so per availability zone) times this."""
    subnet_ids: Annotated[list[SubnetId], Field(min_length=2)] | None = None
    """
    The brokers' subnets; unset: aws.subnetIds. MSK cannot move a cluster to other subnets (a new cluster, empty), so
    pin the current list here before adding subnets to aws.subnetIds.
    """

    def zone_count(self, stack_zones: int) -> int:
        """Availability zones the brokers span, one subnet each: kafka.subnetIds, else the stack's."""
        return len(self.subnet_ids) if self.subnet_ids is not None else stack_zones

    volume_size_gib: Annotated[int, Field(ge=1, le=16384)] = 100
    """EBS volume per MSK broker, GiB."""
    enhanced_monitoring: Literal["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"] = "DEFAULT"
    broker_log_retention_days: Annotated[int, Field(ge=1, le=3653)] | None = None
    """Broker logs to a CloudWatch log group kept this many days; unset: no broker logs."""


class ExternalKafka(_Kafka):
    mode: Literal["external"]
    brokers: Annotated[list[HostPort], Field(min_length=1)]
    """Brokers (in-cluster: StatefulSet replicas; external: `host:port` bootstrap addresses)."""
    security_protocol: SecurityProtocol = "SASL_SSL"
    """Protocol Studio and the assistant use to reach the brokers."""
    sasl_mechanism: SaslMechanism | None = "SCRAM-SHA-512"
    """SASL mechanism (with a SASL protocol)."""
    # Printable ASCII without surrounding spaces: clients read it from a Java properties file
    # (ISO-8859-1) inside a quoted JAAS value (the topic Job escapes quotes and backslashes).
    username: Annotated[str, Field(pattern=r"^[!-~]([ -~]*[!-~])?$")] | None = None
    """SASL user."""
    password_secret: SecretKeyRef | None = None
    """Existing Secret key holding the SASL password."""
    ca_secret: DnsSubdomain | None = None
    """Secret holding ca.crt for a private CA."""

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> ExternalKafka:
        if self.security_protocol.startswith("SASL_"):
            if self.sasl_mechanism is None:
                raise InvalidKey("saslMechanism", f"is required with securityProtocol {self.security_protocol}")
            if self.username is None:
                raise InvalidKey("username", f"is required with securityProtocol {self.security_protocol}")
            if self.password_secret is None:
                raise InvalidKey("passwordSecret", f"is required with securityProtocol {self.security_protocol}")
        return self


KafkaConfig = Annotated[InClusterKafka | MskKafka | ExternalKafka, Field(discriminator="mode")]

# --- PostgreSQL --------------------------------------------------------------------------


class _Database(Model):
    username: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] = "studio"
    """PostgreSQL user Studio connects as."""


# MinIO's client: the bucket Job, and the backups' upload and download.
MC_IMAGE = "minio/mc"
MC_TAG = "RELEASE.2025-04-16T18-13-26Z"
# What a CronJob's schedule takes (robfig/cron, as the CronJob controller parses it): five fields
# or a descriptor. The controller checks each field; this catches the usual slips (six fields, a
# missing one) before anything is deployed.
_SCHEDULE = re.compile(
    r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*,/?-]+( [0-9A-Za-z*,/?-]+){4})$"
)
# The name of a backup: the UTC time its dump started (the folder in the bucket).
_BACKUP_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}Z$")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    """A validator that explains the form a value must take, instead of echoing a regex."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


_schedule = _matching(
    _SCHEDULE,
    "a CronJob schedule: five fields (minute hour day-of-month month day-of-week, e.g. '0 3 * * *') "
    "or a descriptor such as @daily",
)
_backup_name = _matching(
    _BACKUP_NAME,
    "a backup's name: the folder under the backup prefix, the UTC time its dump started, e.g. "
    "20261204T030000Z (docs/operations.md lists them with mc ls)",
)


class PostgresqlBackup(PodSettings):
    schedule: Annotated[str, _schedule] = "0 3 * * *"
    """When to dump, in UTC (the CronJob's timeZone is Etc/UTC)."""
    retention_days: Annotated[int, Field(ge=1, le=3650)] = 7
    """Backups older than this are removed from the bucket after each successful one."""
    prefix: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")] = "backups/postgresql"
    """Folder of the backups in the object-storage bucket."""
    restore_from: Annotated[str, _backup_name] | None = None
    """Restore this backup (its folder name) in the next `pulumi up`, once: docs/operations.md."""
    scratch_size: Quantity = "5Gi"
    """Local space for one backup while it is dumped or downloaded (an emptyDir)."""
    client_image: ImageRepository = MC_IMAGE
    """MinIO's client image, which uploads and downloads the backups."""
    client_tag: ImageTag = MC_TAG
    """Its tag (pinned, as the bucket Job's)."""


class InClusterDatabase(_Database, PodSettings):
    mode: Literal["in-cluster"]
    image: ImageRepository = "postgres"
    """PostgreSQL image."""
    tag: ImageTag = "17.2"
    """Image tag."""
    storage_size: DataVolumeSize = "10Gi"
    """Volume size."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""
    setup_job: PodSettings = PodSettings()
    """The Job that creates the databases and the user."""
    backup: PostgresqlBackup | None = None
    """Scheduled pg_dump of every Studio database to the object-storage bucket; unset: none."""


# RDS identifiers start with a letter and hold letters, digits and hyphens: an instance's up to
# 63; a snapshot's up to 255 (automated ones prefixed rds:), or a shared snapshot's ARN.
_RDS_INSTANCE = r"^[A-Za-z][A-Za-z0-9-]{0,62}$"
_SNAPSHOT = r"(rds:)?[A-Za-z][A-Za-z0-9-]{0,254}"
_RDS_SNAPSHOT = rf"^({_SNAPSHOT}|arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{{12}}:snapshot:{_SNAPSHOT})$"
_RESTORE_TIME = r"^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)$"


class RdsRestore(Model):
    """Where a restored instance comes from: a snapshot, or a point in time of an instance's
    automated backups. Exactly one of `snapshotIdentifier` and `pointInTime`."""

    snapshot_identifier: Annotated[str, Field(pattern=_RDS_SNAPSHOT)] | None = None
    """A manual, automated (rds:...) or final snapshot, e.g. rasa-studio-prod-postgresql-final."""
    point_in_time: Annotated[str, Field(pattern=_RESTORE_TIME)] | None = None
    """A UTC time within the source's backup retention (2026-12-04T02:00:00Z), or `latest`."""
    source_identifier: Annotated[str, Field(pattern=_RDS_INSTANCE)] | None = None
    """The instance whose backups `pointInTime` reads; unset: the one this stack created first."""

    @model_validator(mode="after")
    def _one_source(self) -> RdsRestore:
        if (self.snapshot_identifier is None) == (self.point_in_time is None):
            raise InvalidKey("snapshotIdentifier", "set exactly one of snapshotIdentifier and pointInTime")
        if self.source_identifier is not None and self.point_in_time is None:
            raise InvalidKey("sourceIdentifier", "applies to pointInTime only")
        return self


class RdsDatabase(_Database):
    mode: Literal["rds"]
    engine_version: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] = "17"
    """RDS PostgreSQL major (or major.minor) version."""
    instance_class: Annotated[str, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = "db.t4g.medium"
    """RDS instance class."""
    allocated_storage_gib: Annotated[int, Field(ge=20, le=65536)] = 50
    """Initial storage, GiB."""
    max_allocated_storage_gib: Annotated[int, Field(ge=20, le=65536)] = 200
    """Storage autoscaling ceiling, GiB."""
    multi_az: bool = False
    """Standby in a second availability zone."""
    backup_retention_days: Annotated[int, Field(ge=1, le=35)] = 7
    """Days of automated backups (point-in-time restore window)."""
    restore_from: RdsRestore | None = None
    """
    Create the instance from a snapshot or a point in time (a new instance, beside the old name): docs/operations.md has
    the whole procedure. Keep it set afterwards.
    """
    performance_insights: bool = True
    setup_job: PodSettings = PodSettings()
    """The Job that creates the databases and the user."""

    @model_validator(mode="after")
    def _autoscaling_above_allocated(self) -> RdsDatabase:
        if self.max_allocated_storage_gib < self.allocated_storage_gib:
            raise InvalidKey("maxAllocatedStorageGib", "must be >= allocatedStorageGib (storage autoscaling ceiling)")
        return self


class ExternalDatabase(_Database):
    mode: Literal["external"]
    host: Host
    """Host name of the existing server."""
    port: Port = 5432
    """Port of the existing server."""
    password_secret: SecretKeyRef
    """
    Existing Secret key holding the user's password. Studio before 1.14 (charts up to 2.1.9) also reads `DATABASE_URL`
    (`postgresql://USER:PASSWORD@HOST:PORT/studio?sslmode=...`) from the same Secret: it must hold both keys. The
    `existingSecrets` output of `pulumi up` and the render lists the keys each Secret must hold.
    """
    ssl_mode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = "require"
    """libpq `sslmode` for the connection."""


DatabaseConfig = Annotated[InClusterDatabase | RdsDatabase | ExternalDatabase, Field(discriminator="mode")]

# --- Object storage ----------------------------------------------------------------------

# S3's bucket naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
# which S3-compatible stores (MinIO, Ceph, R2) follow too.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


_BUCKET_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
# Prefixes and suffixes S3 reserves for its own names (access point aliases, Object Lambda,
# directory and table buckets, the documentation's examples).
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _bucket(value: str) -> str:
    if not _BUCKET.match(value) or ".." in value:
        raise ValueError(
            f"{value!r} is not a bucket name: 3-63 lowercase letters, digits, '.' and '-', "
            "starting and ending with a letter or digit"
        )
    if _BUCKET_IP.match(value):
        raise ValueError(f"{value!r} looks like an IP address, which S3 refuses as a bucket name")
    reserved = [p for p in _BUCKET_RESERVED_PREFIXES if value.startswith(p)]
    reserved += [s for s in _BUCKET_RESERVED_SUFFIXES if value.endswith(s)]
    if reserved:
        raise ValueError(f"{value!r}: S3 reserves {reserved[0]!r} for its own names")
    return value


BucketName = Annotated[str, AfterValidator(_bucket)]


class MinioStorage(PodSettings):
    mode: Literal["minio"]
    image: ImageRepository = "minio/minio"
    """MinIO image."""
    tag: ImageTag = "RELEASE.2025-04-22T22-12-26Z"
    """Image tag."""
    bucket: DnsSubdomain = "rasa-studio-models"
    """Bucket name."""
    mc_image: ImageRepository = MC_IMAGE
    mc_tag: ImageTag = MC_TAG
    storage_size: VolumeSize = "10Gi"
    """Volume size."""
    resources: Resources | None = None
    """Container requests and limits; unset: the component's built-in sizing."""
    setup_job: PodSettings = PodSettings()
    """The Job that creates the bucket."""


class S3Storage(Model):
    mode: Literal["s3"]
    # Unset: a unique name derived from the stack.
    bucket: BucketName | None = None
    """Bucket name."""
    # S3 lifecycle rules take these as int32 days; more than 100 years is a typo.
    noncurrent_version_expiration_days: Annotated[int, Field(ge=1, le=36500)] = 30
    """Days old model versions are kept (the bucket is versioned)."""
    abort_incomplete_upload_days: Annotated[int, Field(ge=1, le=36500)] = 7
    encryption: Literal["aws:kms", "AES256"] = "aws:kms"
    """aws:kms: a customer key with rotation (access to it is part of the IRSA role); AES256: S3-managed keys."""


StorageProvider = Literal["aws", "gcs", "azure"]


class ExternalStorage(Model):
    mode: Literal["external"]
    provider: StorageProvider = "aws"
    """
    Where the bucket lives (Rasa Pro's RASA_REMOTE_STORAGE): aws (S3 or S3-compatible), gcs or azure; gcs and azure only
    for the embedded model service (Rasa Pro >= 3.11).
    """
    # The bucket; with azure the blob container (whose names are a subset of S3's grammar).
    bucket: BucketName
    """Bucket name."""
    endpoint: HttpUrl | None = None
    """S3 endpoint URL of an S3-compatible service; unset: AWS S3."""
    region: Region = "us-east-1"
    """Bucket region."""
    credentials_secret: DnsSubdomain | None = None
    """Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; unset: ambient credentials."""
    gcs_credentials: SecretKeyRef | None = None
    """
    gcs: the Secret key holding a service-account JSON key; unset: the pod's own identity (GKE Workload Identity through
    modelService.serviceAccount.annotations).
    """
    azure_account_name: Annotated[str, Field(pattern=r"^[a-z0-9]{3,24}$")] | None = None
    """azure: the storage account (AZURE_ACCOUNT_NAME)."""
    azure_account_key: SecretKeyRef | None = None
    """azure: the Secret key holding the account's access key (AZURE_ACCOUNT_KEY)."""

    @model_validator(mode="after")
    def _provider_settings(self) -> ExternalStorage:
        aws_only = {"endpoint": self.endpoint, "credentialsSecret": self.credentials_secret}
        if self.provider != "aws":
            for key, value in aws_only.items():
                if value is not None:
                    raise InvalidKey(key, f"applies to provider aws only, not {self.provider}")
        if self.provider == "aws" and self.endpoint is None and self.region not in aws_regions():
            # Without an endpoint the client talks to AWS S3 itself, which knows only its regions.
            raise InvalidKey("region", f"{self.region!r} is not an AWS region; set endpoint for another S3 service")
        if self.provider != "gcs" and self.gcs_credentials is not None:
            raise InvalidKey("gcsCredentials", f"applies to provider gcs only, not {self.provider}")
        azure = {
            "azureAccountName": self.azure_account_name is not None,
            "azureAccountKey": self.azure_account_key is not None,
        }
        for key, given in azure.items():
            if self.provider == "azure" and not given:
                raise InvalidKey(key, "is required with provider azure")
            if self.provider != "azure" and given:
                raise InvalidKey(key, f"applies to provider azure only, not {self.provider}")
        return self


ObjectStorageConfig = Annotated[MinioStorage | S3Storage | ExternalStorage, Field(discriminator="mode")]
