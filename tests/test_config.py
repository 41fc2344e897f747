"""The stack config contract: defaults per environment, and every bad value refused by key."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError, validate
from config.defaults import apply_defaults, merge
from tests.harness import run_config

BASE: dict[str, Any] = {
    "environment": "dev",
    "studio": {"host": "studio.example.com", "version": "1.7.0"},
}
AWS = {
    "region": "eu-central-1",
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "clientSecurityGroupIds": ["sg-0a1b2c3d4e5f60718"],
    "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
}


def with_(**changes: Any) -> dict[str, Any]:
    return merge(BASE, changes)


# (what is wrong, config, the key path the error must name, a word the reason must contain)
BAD_CONFIGS = [
    ("assistants zero", with_(modelService={"assistants": 0}), "modelService.assistants", ">= 1"),
    ("assistants a string", with_(modelService={"assistants": "four"}), "modelService.assistants", "integer"),
    (
        "parallel trainings negative",
        with_(modelService={"parallelTrainings": -1}),
        "modelService.parallelTrainings",
        ">= 1",
    ),
    (
        "frequent training not a bool",
        with_(modelService={"frequentTraining": "often"}),
        "modelService.frequentTraining",
        "boolean",
    ),
    ("unknown architecture", with_(modelService={"architecture": "serverless"}), "modelService.architecture", "one of"),
    ("typo in a key", with_(modelService={"assitants": 3}), "modelService.assitants", "did you mean 'assistants'"),
    ("unknown top-level key", with_(modelServices={"assistants": 3}), "modelServices", "did you mean 'modelService'"),
    ("unknown environment", with_(environment="qa"), "environment", "one of"),
    ("host with scheme", with_(studio={"host": "https://studio.example.com"}), "studio.host", "host name"),
    ("host single label", with_(studio={"host": "studio"}), "studio.host", "fully qualified"),
    ("host upper case", with_(studio={"host": "Studio.Example.com"}), "studio.host", "lowercase"),
    ("host wildcard", with_(studio={"host": "*.example.com"}), "studio.host", "host name"),
    ("namespace upper case", with_(kubernetes={"namespace": "Rasa"}), "kubernetes.namespace", "DNS-1123"),
    ("namespace too long", with_(kubernetes={"namespace": "a" * 64}), "kubernetes.namespace", "DNS-1123"),
    ("namespace underscore", with_(kubernetes={"namespace": "rasa_studio"}), "kubernetes.namespace", "DNS-1123"),
    ("kubernetes too old", with_(kubernetes={"version": "1.29"}), "kubernetes.version", "1.30"),
    ("kubernetes version format", with_(kubernetes={"version": "v1.30.2"}), "kubernetes.version", "does not match"),
    ("studio tag latest", with_(studio={"version": "latest"}), "studio.version", "pin"),
    ("kafka mode unknown", with_(kafka={"mode": "confluent"}), "kafka.mode", "one of"),
    ("kafka brokers zero", with_(kafka={"mode": "in-cluster", "brokers": 0}), "kafka.brokers", ">= 1"),
    (
        "replication above brokers",
        with_(kafka={"topics": {"replicationFactor": 3}}),
        "kafka.topics.replicationFactor",
        "<= the number of brokers",
    ),
    ("database mode unknown", with_(database={"mode": "aurora"}), "database.mode", "one of"),
    (
        "external database without host",
        with_(database={"mode": "external", "passwordSecret": {"name": "db", "key": "pw"}}),
        "database.host",
        "required",
    ),
    ("storage mode unknown", with_(objectStorage={"mode": "gcs"}), "objectStorage.mode", "one of"),
    (
        "bad resource quantity",
        with_(studio={"backend": {"resources": {"limits": {"memory": "2 GB"}}}}),
        "studio.backend.resources.limits.memory",
        "quantity",
    ),
    ("tls without a source", with_(studio={"tls": {"enabled": True}}), "studio.tls", "secretName"),
    (
        "architecture against studio version",
        with_(studio={"version": "1.17.0-latest"}),
        "modelService.architecture",
        "embedded",
    ),
    (
        "rasa pro too old for embedded",
        with_(studio={"version": "1.17.0"}, modelService={"architecture": "embedded", "rasaPro": {"tag": "3.10.4"}}),
        "modelService.rasaPro.tag",
        "3.11.0",
    ),
    ("prod without a context", with_(environment="prod", aws=AWS), "kubernetes.context", "kubeconfig context"),
    ("rds without aws section", with_(database={"mode": "rds"}), "aws", "database.mode rds"),
    (
        "s3 without oidc provider",
        with_(objectStorage={"mode": "s3"}, aws={"region": "eu-central-1"}),
        "aws.oidcProviderArn",
        "IRSA",
    ),
    (
        "aws region malformed",
        with_(objectStorage={"mode": "s3"}, aws={**AWS, "region": "Frankfurt"}),
        "aws.region",
        "is not an AWS region",
    ),
]


@pytest.mark.parametrize(("case", "raw", "key", "reason"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_refused_naming_its_key(case: str, raw: dict[str, Any], key: str, reason: str) -> None:
    config, problems = validate(raw)
    assert config is None
    matching = [p for p in problems if p.startswith(f"rasa-studio:{key}: ")]
    assert matching, f"no problem names {key}: {problems}"
    assert any(reason in p for p in matching), matching


def test_bad_config_registers_nothing() -> None:
    with pytest.raises(ConfigError) as info:
        run_config("dev", with_(modelService={"assistants": 0}))
    assert "rasa-studio:modelService.assistants: must be >= 1, got 0" in info.value.problems


def test_missing_license_names_the_command_that_fixes_it() -> None:
    with pytest.raises(ConfigError) as info:
        run_config("staging", BASE, secrets={"registryPassword": "x"})
    assert any(
        p.startswith("rasa-studio:rasaProLicense: ")
        and "pulumi config set --secret --stack staging rasaProLicense" in p
        for p in info.value.problems
    ), info.value.problems


def test_secret_in_plain_text_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        run_config("dev", {**BASE, "rasaProLicense": "plain-license"}, secrets={"registryPassword": "x"})
    assert any(p.startswith("rasa-studio:rasaProLicense: is stored in plain text") for p in info.value.problems)


def test_registry_password_only_required_when_the_pull_secret_is_created() -> None:
    existing = with_(studio={"pullSecret": {"name": "my-registry", "create": False}})
    run = run_config("dev", existing, secrets={"rasaProLicense": "x"})
    assert not [r for r in run.registrations if r.name.endswith("-registry")]


@pytest.mark.parametrize(
    ("env", "kafka", "database", "storage", "protect"),
    [
        ("dev", "in-cluster", "in-cluster", "minio", False),
        ("staging", "msk", "rds", "s3", True),
        ("prod", "msk", "rds", "s3", True),
    ],
)
def test_environment_picks_defaults(env: str, kafka: str, database: str, storage: str, protect: bool) -> None:
    merged = apply_defaults({"environment": env})
    assert (merged["kafka"]["mode"], merged["database"]["mode"], merged["objectStorage"]["mode"]) == (
        kafka,
        database,
        storage,
    )
    assert merged["protectData"] is protect


def test_stack_file_value_wins_over_environment_default() -> None:
    merged = apply_defaults({"environment": "prod", "protectData": False, "kafka": {"mode": "external"}})
    assert merged["protectData"] is False
    # A default meant for another mode never leaks into the chosen one.
    assert "brokers" not in merged["kafka"]


def test_unknown_environment_is_reported_once_not_as_missing_defaults() -> None:
    _, problems = validate(with_(environment="qa"))
    assert problems == ["rasa-studio:environment: must be one of 'dev', 'staging', 'prod', got 'qa'"]
