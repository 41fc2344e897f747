"""What the Studio components consume from the backing services, whatever implements them.

A Studio component gets one of these and never learns whether PostgreSQL is a StatefulSet,
RDS or someone else's server. Credentials only ever travel as Secret references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pulumi


@dataclass(frozen=True)
class SecretRef:
    """A key of a Kubernetes Secret in the Studio namespace."""

    # Plain text, never the Secret's metadata.name Output: a workload that takes a value from the
    # Secret's outputs is replaced with it (pulumi/pulumi pkg/resource/deploy/step_generator.go,
    # calculateDependentReplacements), so a new license would delete and recreate every pod.
    name: str
    key: str
    # The Secret when this stack creates it: what a reader lists in `depends_on`, an edge that
    # orders the create but never cascades a replacement. None for the user's own Secrets.
    secret: pulumi.Resource | None = None


def created(*refs: SecretRef | None) -> list[pulumi.Resource]:
    """The Secrets behind `refs` that this stack creates, once each: a reader's `depends_on`."""
    found: list[pulumi.Resource] = []
    for ref in refs:
        if ref is not None and ref.secret is not None and ref.secret not in found:
            found.append(ref.secret)
    return found


@dataclass(frozen=True)
class Database:
    host: pulumi.Input[str]
    port: int
    username: str
    password: SecretRef
    # DB_QUERY: connection parameters appended to the URL by the Studio images.
    query: str
    # DB_SSL for the migration: whether the client asks for TLS.
    prefer_ssl: bool
    # True when the backing service itself creates the databases of Requirements (studio,
    # keycloak, ...) and the user. Then the Studio migration must not try to create the keycloak
    # database (SKIP_KEYCLOAK=true, as Rasa's playbooks do); False leaves that to the migration.
    databases_created: bool = False
    # Resources that must be ready before a client connects (server, databases, user).
    ready: list[pulumi.Resource] = field(default_factory=list)


@dataclass(frozen=True)
class Kafka:
    # host:port[,host:port...]
    bootstrap_servers: pulumi.Input[str]
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"]
    sasl_mechanism: Literal["plain", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None
    username: pulumi.Input[str] | None
    password: SecretRef | None
    # Secret with `ca.crt` for brokers signed by a private CA; None for public CAs or no TLS.
    ca_secret: str | None = None
    # Resources that must be ready before a client uses the topics (brokers, topic Job).
    ready: list[pulumi.Resource] = field(default_factory=list)

    @property
    def tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


@dataclass(frozen=True)
class ObjectStorage:
    # The bucket (with azure the blob container).
    bucket: pulumi.Input[str]
    region: str
    # S3-compatible endpoint (MinIO, external); None for AWS S3 itself.
    endpoint: pulumi.Input[str] | None
    # Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; None when the pod's
    # ServiceAccount carries the access (IRSA). Plain text, as SecretRef.name; a Secret this
    # stack creates is in `ready`.
    credentials_secret: str | None
    # Annotations for the ServiceAccounts of the model services (eks.amazonaws.com/role-arn).
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # For a pod that only reads the models (the assistant): a read-only role where the storage
    # has one (S3 with IRSA); None: the same access as the model services.
    reader_service_account_annotations: dict[str, pulumi.Input[str]] | None = None
    ready: list[pulumi.Resource] = field(default_factory=list)
    # Rasa Pro's RASA_REMOTE_STORAGE: aws (S3 and S3-compatible), gcs or azure.
    provider: Literal["aws", "gcs", "azure"] = "aws"
    # gcs: a service-account JSON key; None: the pod's own identity (Workload Identity).
    gcs_credentials: SecretRef | None = None
    # azure: the storage account and its access key.
    azure_account_name: str | None = None
    azure_account_key: SecretRef | None = None


@dataclass(frozen=True)
class LockStore:
    """Redis, where the assistant's replicas share their conversation locks (config/lock_store.py)."""

    host: pulumi.Input[str]
    port: int
    # `use_ssl` in endpoints.yml: ElastiCache with encryption in transit, or an external Redis over TLS.
    tls: bool
    db: int = 0
    # The AUTH password (ElastiCache: the auth token); None: no password.
    password: SecretRef | None = None
    ready: list[pulumi.Resource] = field(default_factory=list)
    # The password's value where the stack generates it: for the `checksum/secrets` of the pods
    # that read it, so they roll when `passwordRotation.lockStorePassword` is raised.
    rollout_inputs: list[pulumi.Input[str]] = field(default_factory=list)


@dataclass(frozen=True)
class AssistantBacking:
    """What the assistant next to Studio gets from the backing services (config/assistant.py)."""

    # Studio's PostgreSQL server with the assistant's own role and password.
    tracker: Database
    # The tracker store's database on it (assistant.trackerStore.database).
    tracker_database: str
    # Studio's brokers with the assistant's own principal; `ready` includes what creates it.
    kafka: Kafka
    # The topic event ingestion reads (components/requirements.py EVENTS_TOPIC).
    topic: str
    # None: in memory (one replica).
    lock_store: LockStore | None
    # A keyed digest of the passwords the stack generated for it (`rasa-credentials`), None when
    # all are the user's: the assistant's pods carry it (checksum/secrets) so a rotation rolls them.
    credentials: pulumi.Output[str] | None = None
