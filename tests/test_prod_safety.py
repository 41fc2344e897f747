"""Prod keeps its safety rules unless the stack acknowledges each one, and docs/prod-safety.md
states exactly what the prod stack protects and retains."""

from __future__ import annotations

import re
from typing import Any

import pytest

from config import validate
from policy.rules import RuleContext
from tests.harness import run_stack, stack_input
from tools import program

DOC = program.ROOT / "docs" / "prod-safety.md"
EXTERNAL_DB = {"mode": "external", "host": "db.example.com", "passwordSecret": {"name": "db", "key": "password"}}
EXTERNAL_KAFKA = {
    "mode": "external",
    "brokers": ["kafka-1.example.com:9096"],
    "username": "studio",
    "passwordSecret": {"name": "kafka", "key": "password"},
}


def prod(**changes: Any) -> dict[str, Any]:
    return {**stack_input("prod").plain, **changes}


def problems_of(raw: dict[str, Any], stack: str = "prod") -> list[str]:
    config, problems = program.check(stack, raw)
    assert config is None, "expected the config to be refused"
    return problems


# TLS off, and so the ALB's certificate too (it takes effect only with TLS).
PROD_STUDIO_WITHOUT_TLS = {
    **stack_input("prod").plain["studio"],
    "tls": {"enabled": False},
    "ingress": {"profile": "alb", "alb": {"groupName": "rasa-studio"}},
}
# An external Keycloak needs Studio 1.12+, and so the embedded model service.
PROD_HTTP_KEYCLOAK = {
    "studio": {
        **stack_input("prod").plain["studio"],
        "version": "1.17.0",
        "keycloak": {"external": {"url": "http://sso.example.com/auth"}},
    },
    "modelService": {**stack_input("prod").plain["modelService"], "architecture": "embedded"},
}
# (rule, change that breaks it, the key the error names)
RISKS: list[tuple[str, dict[str, Any], str]] = [
    ("protectData", {"protectData": False}, "protectData"),
    ("tls", {"studio": PROD_STUDIO_WITHOUT_TLS}, "studio.tls.enabled"),
    ("keycloakTls", PROD_HTTP_KEYCLOAK, "studio.keycloak.external.url"),
    ("databaseTls", {"database": {**EXTERNAL_DB, "sslMode": "require"}}, "database.sslMode"),
    ("databaseTls", {"database": {**EXTERNAL_DB, "sslMode": "disable"}}, "database.sslMode"),
    ("kafkaTls", {"kafka": {**EXTERNAL_KAFKA, "securityProtocol": "SASL_PLAINTEXT"}}, "kafka.securityProtocol"),
    ("kafkaTls", {"kafka": {**EXTERNAL_KAFKA, "securityProtocol": "PLAINTEXT"}}, "kafka.securityProtocol"),
]


@pytest.mark.parametrize(("rule", "change", "key"), RISKS, ids=[f"{r[0]}-{r[2]}" for r in RISKS])
def test_prod_refuses_a_broken_rule_unless_acknowledged(rule: str, change: dict[str, Any], key: str) -> None:
    problems = problems_of(prod(**change))
    assert [p for p in problems if p.startswith(f"rasa-studio:{key}: ") and repr(rule) in p], problems
    config, problems = program.check("prod", prod(**change, acknowledgeUnsafeProd=[rule]))
    assert config is not None, problems


def test_the_same_changes_are_fine_outside_prod_but_staging_keeps_its_data_protected() -> None:
    for rule, change, _ in RISKS:
        config, problems = validate({**stack_input("staging").plain, **change})
        if rule == "protectData":
            # Staging keeps prod's data protection and waives it the same way.
            assert config is None and any(
                p.startswith("rasa-studio:protectData: ") and "'protectData'" in p for p in problems
            ), problems
            change = {**change, "acknowledgeUnsafeProd": [rule]}
            config, problems = validate({**stack_input("staging").plain, **change})
        assert config is not None, problems
    _, problems = validate({**stack_input("staging").plain, "acknowledgeUnsafeProd": ["tls"]})
    assert any("staging has the protectData rule only" in p for p in problems), problems


def test_prod_with_verified_tls_everywhere_needs_no_acknowledgement() -> None:
    config, problems = program.check(
        "prod",
        prod(
            database={**EXTERNAL_DB, "sslMode": "verify-full"},
            kafka={**EXTERNAL_KAFKA, "securityProtocol": "SASL_SSL", "topics": {"replicationFactor": 3}},
        ),
    )
    assert config is not None, problems


def test_every_broken_rule_is_reported_at_once() -> None:
    problems = problems_of(prod(protectData=False, database={**EXTERNAL_DB, "sslMode": "prefer"}))
    assert {p.split(": ")[0] for p in problems} == {"rasa-studio:protectData", "rasa-studio:database.sslMode"}


def test_a_stale_acknowledgement_is_refused() -> None:
    # Acknowledging a rule prod still keeps would let one later line switch it off.
    problems = problems_of(prod(acknowledgeUnsafeProd=["tls"]))
    assert any(p.startswith("rasa-studio:acknowledgeUnsafeProd: ") and "tls" in p for p in problems), problems
    problems = problems_of({**stack_input("dev").plain, "acknowledgeUnsafeProd": ["tls"]}, "dev")
    assert any(p.startswith("rasa-studio:acknowledgeUnsafeProd: ") and "dev has no" in p for p in problems)


def test_an_unknown_acknowledgement_is_refused() -> None:
    problems = problems_of(prod(acknowledgeUnsafeProd=["everything"]))
    assert any(p.startswith("rasa-studio:acknowledgeUnsafeProd.0: ") for p in problems), problems


@pytest.mark.parametrize("stack", ["prod", "prod-eu", "studio-prod", "production"])
def test_a_stack_named_prod_cannot_leave_the_prod_environment(stack: str) -> None:
    problems = problems_of(prod(environment="staging"), stack)
    assert any(p.startswith("rasa-studio:environment: ") and "named prod" in p for p in problems), problems


def test_a_stack_not_named_prod_may_be_staging() -> None:
    config, problems = program.check("productivity", {**stack_input("staging").plain})
    assert config is not None, problems


def test_the_policy_pack_takes_prod_from_the_environment() -> None:
    config, _ = validate({**stack_input("dev").plain, "protectData": True})
    assert config is not None and not RuleContext.from_config(config).prod
    config, _ = validate(prod())
    assert config is not None and RuleContext.from_config(config).prod
    config, _ = validate(prod(protectData=False, acknowledgeUnsafeProd=["protectData"]))
    assert config is not None and not RuleContext.from_config(config).prod


def _documented() -> dict[str, tuple[bool, bool]]:
    section = DOC.read_text().split("## What the prod stack protects, retains and snapshots", 1)[1]
    rows = re.findall(r"^\| `([^`]+)` \| (yes|no) \| (yes|no) \|", section, re.MULTILINE)
    return {typ: (protect == "yes", retain == "yes") for typ, protect, retain in rows}


def test_the_documented_protection_is_what_the_prod_stack_registers() -> None:
    documented = _documented()
    assert documented, "no table found in docs/prod-safety.md"
    rendered: dict[str, set[tuple[bool, bool]]] = {}
    for r in run_stack("prod").registrations:
        if r.custom and (r.protect or r.retain_on_delete):
            rendered.setdefault(r.type, set()).add((r.protect, r.retain_on_delete))
    assert {t: {v} for t, v in documented.items()} == rendered


def test_prod_rds_keeps_deletion_protection_and_a_final_snapshot() -> None:
    (rds,) = run_stack("prod").by_type("aws:rds/instance:Instance")
    assert rds.inputs["deletionProtection"] is True
    assert rds.inputs["skipFinalSnapshot"] is False
    assert rds.inputs["finalSnapshotIdentifier"].endswith("-final")
    (bucket,) = run_stack("prod").by_type("aws:s3/bucket:Bucket")
    assert not bucket.inputs.get("forceDestroy")


def test_a_deliberate_prod_teardown_still_leaves_a_final_snapshot() -> None:
    (rds,) = run_stack("prod", "protectData=false", "acknowledgeUnsafeProd=[protectData]").by_type(
        "aws:rds/instance:Instance"
    )
    assert rds.inputs["deletionProtection"] is False
    assert rds.inputs["skipFinalSnapshot"] is False
    assert not rds.protect


def test_prod_msk_scram_secret_survives_a_destroy_and_frees_its_name_when_deleted() -> None:
    run = run_stack("prod")
    (secret,) = run.by_type("aws:secretsmanager/secret:Secret")
    (association,) = run.by_type("aws:msk/scramSecretAssociation:ScramSecretAssociation")
    (version,) = run.by_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert secret.protect and association.protect
    # Retained, not protected: a new kafkaPassword replaces the version (secret_string is ForceNew).
    assert version.retain_on_delete and not version.protect
    # AWS' default 30-day window would keep the AmazonMSK_ name from the `up` that recovers.
    assert secret.inputs["recoveryWindowInDays"] == 0
