"""The keys each operator-made Secret must hold, per Studio version, in the summary and the docs."""

from __future__ import annotations

import pytest

from components.existing_secrets import existing_secret_keys
from config import StackConfig
from config.base import version_tuple
from config.versions import CONTRACTS
from tests.harness import run_stack, stack_input
from tools import program

EXTERNAL_DB = (
    "database.mode=external",
    "database.host=db.example.com",
    "database.passwordSecret={name: studio-db, key: pw}",
)
EMBEDDED = ("modelService.architecture=embedded",)


def _config(*sets: str) -> StackConfig:
    config, problems = program.check("dev", stack_input("dev", *sets).plain)
    assert config is not None, problems
    return config


@pytest.mark.parametrize(
    ("version", "keys"),
    [("1.7.0", ["DATABASE_URL", "pw"]), ("1.13.0", ["DATABASE_URL", "pw"]), ("1.14.0", ["pw"]), ("1.17.0", ["pw"])],
)
def test_an_external_database_secret_needs_database_url_before_chart_2_2(version: str, keys: list[str]) -> None:
    extra = EMBEDDED if version_tuple(version) >= (1, 10, 0) else ()
    config = _config(*EXTERNAL_DB, f"studio.version={version}", *extra)
    assert existing_secret_keys(config) == {"studio-db": keys}


def test_external_kafka_and_storage_secrets_are_listed() -> None:
    config = _config(
        "kafka.mode=external",
        "kafka.brokers=[kafka-1.example.com:9096]",
        "kafka.username=studio",
        "kafka.passwordSecret={name: kafka, key: password}",
        "kafka.caSecret=kafka-ca",
        "objectStorage.mode=external",
        "objectStorage.bucket=models",
        "objectStorage.credentialsSecret=storage",
    )
    assert existing_secret_keys(config) == {
        "kafka": ["password"],
        "kafka-ca": ["ca.crt"],
        "storage": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    }


def test_the_summary_names_them_and_only_when_there_are_some() -> None:
    assert run_stack("dev", *EXTERNAL_DB).outputs["existingSecrets"] == {"studio-db": ["DATABASE_URL", "pw"]}
    assert "existingSecrets" not in run_stack("dev").outputs


def test_the_docs_name_the_version_where_database_url_went() -> None:
    first_without = next(c for c in CONTRACTS if not c.database_url)
    major, minor = first_without.studio.split(".")[:2]
    text = (program.ROOT / "docs" / "external-services.md").read_text()
    assert (
        f"| before {major}.{minor} | up to" in text
        and f"| {major}.{minor} and later | {first_without.chart} on" in text
    )
