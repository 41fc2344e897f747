"""Pure logic of the backing services: names, KRaft settings, policies, scripts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from components.backing import database_init, kafka_msk, kafka_topics, postgresql_in_cluster, s3
from components.backing.kafka_in_cluster import cluster_id, quorum_voters, server_properties
from config.backing import Topics


@given(st.text(min_size=1, max_size=40), st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True))
def test_kraft_cluster_id_is_a_stable_base64url_uuid(instance: str, namespace: str) -> None:
    first = cluster_id(instance, namespace)
    assert first == cluster_id(instance, namespace)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", first)


def test_quorum_voters_name_every_pod_by_its_stable_dns_name() -> None:
    assert quorum_voters(3, "rs") == (
        "0@kafka-0.kafka-headless.rs.svc.cluster.local:9093,"
        "1@kafka-1.kafka-headless.rs.svc.cluster.local:9093,"
        "2@kafka-2.kafka-headless.rs.svc.cluster.local:9093"
    )


def test_in_cluster_broker_durability_follows_the_broker_count() -> None:
    one = dict(line.split("=", 1) for line in server_properties(1, "rs").splitlines())
    three = dict(line.split("=", 1) for line in server_properties(3, "rs").splitlines())
    assert (one["min.insync.replicas"], one["offsets.topic.replication.factor"]) == ("1", "1")
    assert (three["min.insync.replicas"], three["offsets.topic.replication.factor"]) == ("2", "3")
    assert one["auto.create.topics.enable"] == three["auto.create.topics.enable"] == "false"
    assert one["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert "password" not in server_properties(3, "rs")


def test_msk_configuration_never_auto_creates_topics() -> None:
    props = dict(line.split("=", 1) for line in kafka_msk.server_properties(3, 3).splitlines())
    assert props["auto.create.topics.enable"] == "false"
    assert (props["default.replication.factor"], props["min.insync.replicas"]) == ("3", "2")
    assert (
        dict(line.split("=", 1) for line in kafka_msk.server_properties(2, 2).splitlines())["min.insync.replicas"]
        == "1"
    )


def test_topic_job_name_changes_exactly_with_the_topic_spec() -> None:
    base = kafka_topics.job_name(["a", "b"], Topics(partitions=1, replication_factor=1))
    assert base == kafka_topics.job_name(["b", "a"], Topics(partitions=1, replication_factor=1))
    assert base != kafka_topics.job_name(["a", "b"], Topics(partitions=3, replication_factor=1))
    assert base != kafka_topics.job_name(["a", "b", "c"], Topics(partitions=1, replication_factor=1))
    assert re.fullmatch(r"kafka-topics-[0-9a-f]{8}", base)


def test_cli_spells_the_plain_mechanism_in_upper_case() -> None:
    assert kafka_topics.cli_mechanism("plain") == "PLAIN"
    assert kafka_topics.cli_mechanism("SCRAM-SHA-512") == "SCRAM-SHA-512"
    assert kafka_topics.cli_mechanism(None) == ""


def test_postgres_init_script_creates_every_database_and_reads_the_password_from_env() -> None:
    script = postgresql_in_cluster.init_script(["studio", "keycloak", "modelservice"])
    for db in ("studio", "keycloak", "modelservice"):
        assert f"-v db={db} " in script
    assert '-v password="$STUDIO_DB_PASSWORD"' in script
    assert "mock-" not in script


def test_database_init_job_is_idempotent_sql() -> None:
    script = database_init.script(["studio", "keycloak"])
    assert "WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')" in script
    assert "WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner')" in script
    assert script.count("CREATE DATABASE") == 2
    assert database_init.job_name(["a"], "studio", "x", "d1") != database_init.job_name(["a", "b"], "studio", "x", "d1")
    # A new password (its keyed digest) is a new Job, which runs again.
    assert database_init.job_name(["a"], "studio", "x", "d1") != database_init.job_name(["a"], "studio", "x", "d2")


def test_irsa_trust_admits_exactly_the_given_service_accounts() -> None:
    issuer = "oidc.eks.eu-central-1.amazonaws.com/id/ABC"
    policy = s3.irsa_trust_policy(f"arn:aws:iam::1:oidc-provider/{issuer}", issuer, "ns", ["b", "a"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::1:oidc-provider/{issuer}"}
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"],
        f"{issuer}:aud": "sts.amazonaws.com",
    }


def test_bucket_access_is_least_privilege() -> None:
    policy = s3.access_policy("arn:aws:s3:::b", "arn:aws:kms:k")
    actions = {a: st_["Resource"] for st_ in policy["Statement"] for a in st_["Action"]}
    assert actions == {
        "s3:ListBucket": ["arn:aws:s3:::b"],
        "s3:GetObject": ["arn:aws:s3:::b/*"],
        "s3:PutObject": ["arn:aws:s3:::b/*"],
        "s3:DeleteObject": ["arn:aws:s3:::b/*"],
        "kms:Decrypt": ["arn:aws:kms:k"],
        "kms:GenerateDataKey": ["arn:aws:kms:k"],
    }
    assert all("kms" not in a for st_ in s3.access_policy("arn:aws:s3:::b", None)["Statement"] for a in st_["Action"])
