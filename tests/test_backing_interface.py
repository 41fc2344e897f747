"""What each implementation hands the Studio components through the interface."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import foundation
from components.backing import BackingServices
from components.context import Context
from components.requirements import requirements
from components.secrets import StudioSecrets
from config import validate
from config.secrets import Secrets
from tests.test_backing import EXTERNAL
from tests.test_config import AWS, BASE, with_
from tools.mocks import RecordingMonitor

AWS_MANAGED = with_(
    environment="staging", aws=AWS, kafka={"mode": "msk"}, database={"mode": "rds"}, objectStorage={"mode": "s3"}
)


def build(raw: dict[str, Any]) -> BackingServices:
    config, problems = validate(raw)
    assert config is not None, problems
    aws = foundation.from_config(config).aws
    ctx = Context(config=config, namespace="rasa-studio", namespace_name="rasa-studio", instance="test", aws=aws)
    secrets = Secrets(pulumi.Output.secret("license"), None, None, None, None, None, None)
    studio_secrets = StudioSecrets("secrets", ctx, secrets)
    return BackingServices("backing", ctx, studio_secrets, requirements(config))


def resolved(backing: BackingServices) -> pulumi.Output[dict[str, Any]]:
    db, kafka, store = backing.database, backing.kafka, backing.object_storage
    assert kafka is not None
    return pulumi.Output.all(
        db_host=db.host,
        db_password=db.password.name,
        kafka_servers=kafka.bootstrap_servers,
        kafka_password=kafka.password.name if kafka.password else None,
        bucket=store.bucket,
        endpoint=store.endpoint,
        credentials=store.credentials_secret,
        annotations=store.service_account_annotations,
    )


@pulumi.runtime.test
def test_in_cluster_interface(mocks: RecordingMonitor) -> pulumi.Output[None]:
    backing = build(BASE)
    kafka = backing.kafka
    assert kafka is not None
    assert (backing.database.port, backing.database.username, backing.database.password.key) == (
        5432,
        "studio",
        "DATABASE_PASSWORD",
    )
    assert (backing.database.query, backing.database.prefer_ssl) == ("schema=public", False)
    assert (kafka.security_protocol, kafka.sasl_mechanism, kafka.username) == (
        "SASL_PLAINTEXT",
        "SCRAM-SHA-512",
        "studio",
    )
    assert not kafka.tls and kafka.password and kafka.password.key == "KAFKA_SASL_PASSWORD"
    assert backing.object_storage.region == "us-east-1"
    # Consumers wait for the servers and for what the Jobs create (and for MinIO's credentials
    # Secret, which they name as plain text).
    assert len(backing.database.ready) == 2 and len(kafka.ready) == 2 and len(backing.object_storage.ready) == 3

    def check(v: dict[str, Any]) -> None:
        assert v["db_host"] == "postgresql.rasa-studio.svc.cluster.local"
        assert v["db_password"] == v["kafka_password"] == "studio-secrets"
        assert v["kafka_servers"] == "kafka.rasa-studio.svc.cluster.local:9092"
        assert v["bucket"] == "rasa-studio-models"
        assert v["endpoint"] == "http://minio.rasa-studio.svc.cluster.local:9000"
        assert v["credentials"] == "minio-credentials"
        assert v["annotations"] == {}

    return resolved(backing).apply(check)


@pulumi.runtime.test
def test_aws_managed_interface(mocks: RecordingMonitor) -> pulumi.Output[None]:
    backing = build(AWS_MANAGED)
    kafka = backing.kafka
    assert kafka is not None
    assert (backing.database.query, backing.database.prefer_ssl) == ("sslmode=require&connect_timeout=30", True)
    assert (kafka.security_protocol, kafka.sasl_mechanism, kafka.tls) == (
        "SASL_SSL",
        "SCRAM-SHA-512",
        True,
    )
    assert kafka.ca_secret is None  # Amazon's CA is in every default trust store
    assert backing.object_storage.region == "eu-central-1"

    def check(v: dict[str, Any]) -> None:
        assert v["db_host"].endswith(".rds.amazonaws.com")
        assert v["kafka_servers"].count(":9096") == 2
        assert v["bucket"].startswith("rasa-studio-test-models-")
        assert v["endpoint"] is None and v["credentials"] is None
        assert v["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")

    return resolved(backing).apply(check)


@pulumi.runtime.test
def test_external_interface(mocks: RecordingMonitor) -> pulumi.Output[None]:
    backing = build(EXTERNAL)
    kafka = backing.kafka
    assert kafka is not None
    assert (backing.database.query, backing.database.prefer_ssl, backing.database.ready) == (
        "sslmode=require",
        True,
        [],
    )
    assert backing.database.password.key == "pw"
    assert kafka.ca_secret == "kafka-ca" and kafka.password and kafka.password.key == "password"
    # Even someone else's brokers get the topics; consumers wait for that Job.
    assert len(kafka.ready) == 1

    def check(v: dict[str, Any]) -> None:
        assert v["db_host"] == "db.example.com" and v["db_password"] == "db-creds"
        assert v["kafka_servers"] == "b1.kafka.example.com:9096,b2.kafka.example.com:9096"
        assert v["kafka_password"] == "kafka-creds"
        assert (v["bucket"], v["endpoint"], v["credentials"]) == ("models", "https://s3.example.com", "s3-creds")

    return resolved(backing).apply(check)


@pytest.mark.parametrize("ssl_mode", ["disable", "verify-full"])
def test_external_database_ssl_mode_reaches_the_query(ssl_mode: str) -> None:
    from components.backing.postgresql_external import external_database
    from config.backing import ExternalDatabase

    db = external_database(
        ExternalDatabase.model_validate(
            {"mode": "external", "host": "h", "passwordSecret": {"name": "s", "key": "k"}, "sslMode": ssl_mode}
        )
    )
    assert db.query == f"sslmode={ssl_mode}" and db.prefer_ssl is (ssl_mode != "disable")


def test_external_plaintext_kafka_hands_out_no_credentials() -> None:
    from components.backing.kafka_external import external_kafka
    from config.backing import ExternalKafka

    kafka = external_kafka(
        ExternalKafka.model_validate({"mode": "external", "brokers": ["k:9092"], "securityProtocol": "PLAINTEXT"})
    )
    assert (kafka.sasl_mechanism, kafka.username, kafka.password, kafka.tls) == (None, None, None, False)
