"""The assistant's own principals on Studio's backing services (components/backing/assistant_access.py).

Per mode, what the stack creates for the assistant and what it hands over (`AssistantBacking`):
in the cluster and on AWS a generated password each in `rasa-credentials`, a database-init Job of
the tracker role's own and the Kafka user (the topics Job, MSK's association); with external
services the user's Secrets and nothing created. Then the plans: enabling the assistant loses and
stops at nothing, a rotation re-runs exactly the Job that hands the new password to the server.
tests/test_assistant_database.py runs the rendered Jobs on a real PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.interfaces import SecretRef
from components.names import ASSISTANT_CREDENTIALS_SECRET
from components.requirements import EVENTS_TOPIC
from config import validate
from tests.harness import containers, env_of, find, manifests, run_stack
from tests.test_backing import EXTERNAL
from tests.test_backing_interface import AWS_MANAGED, build
from tests.test_config import with_
from tools import output, plan, schema, shellcheck, yaml_io
from tools.mocks import RecordingMonitor
from tools.program import ProgramRun
from tools.shell_scripts import scripts

ENABLED = ("assistant.enabled=true", "assistant.assistantId=shop", "assistant.model.path=shop.tar.gz")
ASSISTANT = {"enabled": True, "assistantId": "shop", "model": {"path": "shop.tar.gz"}}
PASSWORD = "random:index/randomPassword:RandomPassword"
MSK_SECRET = "aws:secretsmanager/secret:Secret"
MSK_ASSOCIATION = "aws:msk/scramSecretAssociation:ScramSecretAssociation"


# Prod serves Studio through the ALB, which cannot strip a path: the assistant takes a host there.
PROD_HOST = "assistant.host=assistant.example.com"


def enabled(stack: str, *sets: str) -> ProgramRun:
    return run_stack(stack, *ENABLED, *((PROD_HOST,) if stack == "prod" else ()), *sets)


def init_jobs(run: ProgramRun) -> dict[str, dict[str, Any]]:
    """The database-init Jobs by the role each creates."""
    found = [m for m in manifests(run) if m["kind"] == "Job" and m["metadata"]["name"].startswith("database-init-")]
    return {env_of(containers(m)[0])["STUDIO_DB_USER"]["value"]: m for m in found}


def topics_job(run: ProgramRun) -> dict[str, Any]:
    (job,) = [m for m in manifests(run) if m["kind"] == "Job" and m["metadata"]["name"].startswith("kafka-topics-")]
    return job


def registration(run: ProgramRun, kind: str, name: str) -> Any:
    (found,) = [
        r
        for r in run.registrations
        if output.is_kubernetes_object(r) and r.state["kind"] == kind and r.state["metadata"]["name"] == name
    ]
    return found


def secret_ref(env: dict[str, Any], name: str) -> tuple[str, str]:
    ref = env[name]["valueFrom"]["secretKeyRef"]
    return ref["name"], ref["key"]


# --- dev: in-cluster PostgreSQL and Kafka ----------------------------------------------------


def test_in_the_cluster_the_stack_makes_the_role_the_database_and_the_kafka_user() -> None:
    run = enabled("dev")
    secret = find(run, "Secret", ASSISTANT_CREDENTIALS_SECRET)
    assert sorted(secret["stringData"]) == ["DB_PASSWORD", "KAFKA_SASL_PASSWORD"]
    assert secret["metadata"]["labels"]["app.kubernetes.io/component"] == "assistant"

    jobs = init_jobs(run)
    assert sorted(jobs) == ["rasa", "studio"]
    env = env_of(containers(jobs["rasa"])[0])
    assert secret_ref(env, "STUDIO_DB_PASSWORD") == (ASSISTANT_CREDENTIALS_SECRET, "DB_PASSWORD")
    # The same server and admin as Studio's Job.
    studio_env = env_of(containers(jobs["studio"])[0])
    for same in ("PGHOST", "PGPORT", "PGUSER", "PGSSLMODE"):
        assert env[same] == studio_env[same]
    script = containers(jobs["rasa"])[0]["command"][2]
    assert "-v db=rasa" in script and "REVOKE CONNECT" in script
    # Studio's Job is the one it was: no REVOKE, no assistant.
    assert "REVOKE" not in containers(jobs["studio"])[0]["command"][2]

    # After Studio's Job and the Secret, by depends_on only: the Secret is read by plain name,
    # so a new value never replaces the Job through a property dependency (interfaces.SecretRef).
    tracker = registration(run, "Job", jobs["rasa"]["metadata"]["name"])
    studio = registration(run, "Job", jobs["studio"]["metadata"]["name"])
    credentials = registration(run, "Secret", ASSISTANT_CREDENTIALS_SECRET)
    assert {studio.urn, credentials.urn} <= set(tracker.depends_on)
    assert not any(credentials.urn in urns for urns in tracker.property_dependencies.values())

    cli = containers(topics_job(run))[0]
    kafka_env = env_of(cli)
    assert kafka_env["KAFKA_ASSISTANT_USER"]["value"] == "assistant"
    assert secret_ref(kafka_env, "KAFKA_ASSISTANT_PASSWORD") == (ASSISTANT_CREDENTIALS_SECRET, "KAFKA_SASL_PASSWORD")
    assert '--entity-name "$KAFKA_ASSISTANT_USER"' in cli["command"][2]


def test_the_enabled_render_passes_shellcheck_and_strict_schema_validation() -> None:
    rendered = [yaml_io.load(yaml_io.dump(m)) for m in manifests(enabled("dev"))]
    found = [s for s in scripts(rendered) if s.origin.startswith("Job/")]
    assert len(found) >= 3
    _checked, findings = shellcheck.check(found)
    assert findings == [], "\n\n".join(f"{f.origins}\n{f.report}" for f in findings)
    mine = [m for m in rendered if m["kind"] == "Job" or m["metadata"]["name"] == ASSISTANT_CREDENTIALS_SECRET]
    assert len(mine) >= 4
    assert [e for m in mine for e in schema.errors(m, "1.30")] == []


def test_enabling_the_assistant_in_dev_creates_and_reruns_only_the_topics_job() -> None:
    p = plan.diff(run_stack("dev"), enabled("dev"))
    assert p.losses() == [] and p.stopped() == [], p.table()
    # Besides the creates, only the policies of the servers it now reaches change.
    assert {s.op for s in p.changed() if not s.kind.endswith("Job") and s.kind != "NetworkPolicy"} <= {"create"}, (
        p.table()
    )
    assert [s.object_name[:13] for s in p.replaced()] == ["kafka-topics-"]


@pytest.mark.parametrize(
    ("counter", "rerun"),
    [("assistantDatabasePassword", "database-init-"), ("assistantKafkaPassword", "kafka-topics-")],
)
def test_a_rotation_reruns_exactly_the_job_that_hands_the_password_to_the_server(counter: str, rerun: str) -> None:
    before, after = enabled("dev"), enabled("dev", f"passwordRotation.{counter}=1")
    p = plan.diff(before, after)
    assert p.losses() == [] and p.stopped() == [], p.table()
    replaced = p.replaced()
    assert [s.type for s in replaced if not s.kind] == [PASSWORD]
    assert [s.object_name[: len(rerun)] for s in replaced if s.kind] == [rerun]
    if rerun == "database-init-":
        # The assistant's Job, not Studio's.
        assert init_jobs(before)["studio"] == init_jobs(after)["studio"]
        assert init_jobs(before)["rasa"]["metadata"]["name"] != init_jobs(after)["rasa"]["metadata"]["name"]
    # Nothing stateful is touched: only the Secret's value, the password and the Job change, and
    # the assistant's pods roll to read the new value (Studio's never read it).
    updated = {(s.kind or s.type) for s in p.by_op("update")}
    assert updated <= {"Secret", "Deployment"}, p.table()
    assert {s.object_name for s in p.by_op("update") if s.kind == "Deployment"} == {"rasa"}, p.table()


# --- prod: RDS and MSK ------------------------------------------------------------------------


def test_on_msk_the_assistant_gets_its_own_scram_secret_in_studios_association() -> None:
    run = enabled("prod")
    secrets = {r.name: r for r in run.registrations if r.type == MSK_SECRET}
    studio = secrets["rasa-studio-backing-kafka-scram"]
    mine = secrets["rasa-studio-backing-kafka-assistant-scram"]
    assert mine.inputs["name"].startswith("AmazonMSK_") and mine.inputs["name"] != studio.inputs["name"]
    assert mine.inputs["kmsKeyId"] == studio.inputs["kmsKeyId"]
    assert (mine.protect, mine.inputs["recoveryWindowInDays"]) == (studio.protect, 0) == (True, 0)
    (version,) = [r for r in run.registrations if r.name == "rasa-studio-backing-kafka-assistant-scram-value"]
    assert version.retain_on_delete
    (association,) = run.by_type(MSK_ASSOCIATION)
    assert association.protect and len(association.inputs["secretArnLists"]) == 2
    assert version.urn in association.depends_on
    # RDS: the tracker role's Job, as the master user, with TLS.
    env = env_of(containers(init_jobs(run)["rasa"])[0])
    assert (env["PGUSER"]["value"], env["PGSSLMODE"]["value"]) == ("studio_admin", "require")


def test_enabling_the_assistant_in_prod_loses_nothing_and_stops_at_no_protection() -> None:
    p = plan.diff(run_stack("prod"), enabled("prod"))
    assert p.losses() == [] and p.stopped() == [] and p.replaced() == [], p.table()
    # Studio's association gains the assistant's secret in place (the assistant reads the bucket
    # through a role of its own); nothing else existing changes.
    assert [s.type for s in p.by_op("update")] == [MSK_ASSOCIATION], p.table()
    assert not p.by_op("delete")


def test_turning_it_off_in_prod_stops_at_its_protected_resources_only() -> None:
    """docs/operations.md has the step through; the tracker database is no resource, so it stays."""
    p = plan.diff(enabled("prod"), run_stack("prod"))
    assert p.losses() == [], p.table()
    # Pulumi.prod.yaml's assistant keeps its locks in ElastiCache: its group and key are protected too.
    assert sorted((s.type, s.name) for s in p.stopped()) == [
        ("aws:elasticache/replicationGroup:ReplicationGroup", "rasa-studio-backing-lock-store-group"),
        ("aws:kms/key:Key", "rasa-studio-backing-lock-store-key"),
        (MSK_SECRET, "rasa-studio-backing-kafka-assistant-scram"),
    ]
    assert [s.type for s in p.by_op("update")] == [MSK_ASSOCIATION]


def test_a_kafka_rotation_on_msk_replaces_only_the_password_and_its_secret_value() -> None:
    p = plan.diff(enabled("prod"), enabled("prod", "passwordRotation.assistantKafkaPassword=1"))
    assert p.losses() == [] and p.stopped() == [], p.table()
    assert sorted(s.type for s in p.replaced()) == sorted([PASSWORD, "aws:secretsmanager/secretVersion:SecretVersion"])


# --- the interface, per mode (components only, no whole-program run) ---------------------------


def _check_stack_secret(backing: Any) -> None:
    assistant = backing.assistant
    access = backing.assistant_access
    assert assistant is not None and access.secret is not None
    tracker, kafka = assistant.tracker, assistant.kafka
    assert (tracker.username, tracker.password.name, tracker.password.key) == (
        "rasa",
        ASSISTANT_CREDENTIALS_SECRET,
        "DB_PASSWORD",
    )
    assert (kafka.username, kafka.password.name, kafka.password.key) == (
        "assistant",
        ASSISTANT_CREDENTIALS_SECRET,
        "KAFKA_SASL_PASSWORD",
    )
    # Readers list the Secret in depends_on (interfaces.created).
    assert tracker.password.secret is access.secret and kafka.password.secret is access.secret
    # The assistant starts after the Job that made its role, and after what made its Kafka user.
    assert access.tracker_init.job in tracker.ready and backing.database.ready[-1] in tracker.ready
    assert backing.topics.job in kafka.ready
    assert (assistant.topic, assistant.tracker_database) == (EVENTS_TOPIC, "rasa")
    assert assistant.credentials is not None


@pulumi.runtime.test
def test_in_cluster_hands_over_the_stacks_secret_and_waits_for_the_jobs(mocks: RecordingMonitor) -> None:
    _check_stack_secret(build(with_(assistant=ASSISTANT)))


@pulumi.runtime.test
def test_aws_managed_waits_for_the_association_too(mocks: RecordingMonitor) -> None:
    backing = build(with_(**AWS_MANAGED, assistant=ASSISTANT))
    _check_stack_secret(backing)
    assistant = backing.assistant
    assert assistant is not None
    assert any(r.__class__.__name__ == "ScramSecretAssociation" for r in assistant.kafka.ready)
    assert assistant.tracker.prefer_ssl


EXTERNAL_ASSISTANT = {
    **ASSISTANT,
    "trackerStore": {"username": "tracker", "database": "tracker", "passwordSecret": {"name": "tr", "key": "pw"}},
    "kafka": {"username": "producer", "passwordSecret": {"name": "kp", "key": "pw"}},
}


@pulumi.runtime.test
def test_external_services_use_the_users_secrets_and_create_nothing(mocks: RecordingMonitor) -> pulumi.Output[None]:
    backing = build(with_(**EXTERNAL, assistant=EXTERNAL_ASSISTANT))
    assistant, access = backing.assistant, backing.assistant_access
    assert assistant is not None and access is not None and access.secret is None and backing.topics is not None
    assert (assistant.tracker.username, assistant.tracker.password) == ("tracker", SecretRef("tr", "pw"))
    assert (assistant.kafka.username, assistant.kafka.password) == ("producer", SecretRef("kp", "pw"))
    assert assistant.tracker.ready == backing.database.ready and assistant.credentials is None

    def check(_: object) -> None:
        names = [r.name for r in mocks.registrations]
        assert not [r for r in mocks.registrations if r.type == PASSWORD and "assistant" in r.name]
        assert not [n for n in names if "tracker-init" in n]
        kinds = [output.manifest(r) for r in mocks.registrations if output.is_kubernetes_object(r)]
        assert not [m for m in kinds if m["metadata"]["name"] == ASSISTANT_CREDENTIALS_SECRET]

    return backing.topics.job.urn.apply(check)


@pulumi.runtime.test
def test_backups_dump_the_tracker_database_and_the_restore_waits_before_closing_again(
    mocks: RecordingMonitor,
) -> pulumi.Output[None]:
    restore = "20261204T030000Z"
    backing = build(with_(database={"backup": {"restoreFrom": restore}}, assistant=ASSISTANT))
    assert backing.backup is not None and backing.backup.restore is not None
    access = backing.assistant_access
    assert access is not None and access.tracker_init is not None

    def check(_: object) -> None:
        objects = [output.manifest(r) for r in mocks.registrations if output.is_kubernetes_object(r)]
        (cron,) = [m for m in objects if m["kind"] == "CronJob"]
        (job,) = [m for m in objects if m["metadata"]["name"].startswith("postgresql-restore-")]
        dumped = env_of(containers(cron)[0])["BACKUP_DATABASES"]["value"].split()
        restored = env_of(containers(job)[1])["BACKUP_DATABASES"]["value"].split()
        assert dumped == [*restored, "rasa"] and "rasa" not in restored
        (tracker,) = [r for r in mocks.registrations if r.name.endswith("tracker-init-job")]
        (restore_job,) = [r for r in mocks.registrations if r.name.endswith("postgresql-backup-restore")]
        assert restore_job.urn in tracker.depends_on

    return access.tracker_init.job.urn.apply(check)


# --- refused configs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        # External database: the role and database must exist, so their Secret is required.
        (dict(**EXTERNAL, assistant=ASSISTANT), "assistant.trackerStore.passwordSecret"),
        # In the cluster the stack makes the password: a Secret of the user's would be ignored.
        (
            dict(assistant={**ASSISTANT, "trackerStore": {"passwordSecret": {"name": "x", "key": "y"}}}),
            "assistant.trackerStore.passwordSecret",
        ),
        (dict(assistant={**ASSISTANT, "kafka": {"username": "studio"}}), "assistant.kafka.username"),
        (dict(assistant={**ASSISTANT, "trackerStore": {"database": "keycloak"}}), "assistant.trackerStore.database"),
        (dict(assistant={**ASSISTANT, "trackerStore": {"username": "studio"}}), "assistant.trackerStore.username"),
    ],
)
def test_principals_the_stack_cannot_make_or_must_not_share_are_refused(changes: dict[str, Any], key: str) -> None:
    config, problems = validate(with_(**changes))
    assert config is None
    assert any(p.startswith(f"rasa-studio:{key}: ") for p in problems), problems


def test_a_valid_assistant_config_is_accepted() -> None:
    """The cases above fail for their key, not for anything else in the config."""
    config, problems = validate(with_(assistant=ASSISTANT))
    assert config is not None, problems
    config, problems = validate(with_(**EXTERNAL, assistant=EXTERNAL_ASSISTANT))
    assert config is not None, problems


def test_the_users_secrets_for_external_principals_are_in_the_summary() -> None:
    from components.existing_secrets import existing_secret_keys

    config, problems = validate(with_(**EXTERNAL, assistant=EXTERNAL_ASSISTANT))
    assert config is not None, problems
    keys = existing_secret_keys(config)
    assert keys["tr"] == ["pw"] and keys["kp"] == ["pw"]
    # In the cluster the stack makes them: nothing of the user's to name.
    config, problems = validate(with_(assistant=ASSISTANT))
    assert config is not None, problems
    assert existing_secret_keys(config) == {}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_policy_pack_passes_the_enabled_stacks(stack: str) -> None:
    """Its Secrets Manager secret, Secret and Jobs meet the rules every other resource does."""
    from tests.test_policy import check_stack, stack_context, stack_resources

    sets = (*ENABLED, *((PROD_HOST,) if stack == "prod" else ()))
    assert check_stack(stack_resources(stack, *sets), stack_context(stack, *sets)) == {}
