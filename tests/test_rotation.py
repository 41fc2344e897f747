"""Password rotation under mocks: a raised counter or a supplied value reaches exactly the Jobs
that hand it to a server (a new Job name) and the pods that read it (`checksum/secrets`).

tests/test_database_scripts.py proves on a real PostgreSQL that the re-run Job and the server's
hook apply a new password; here, that the program re-runs and rolls what it must and no more.
"""

from __future__ import annotations

import hashlib

import pytest

from components.secrets import keyed_digest
from tests.harness import SECRETS, manifests, run_config, run_stack, stack_input
from tools import plan
from tools.program import ProgramRun

CHECKSUM = "checksum/secrets"
PASSWORD = "random:index/randomPassword:RandomPassword"


def jobs(run: ProgramRun, prefix: str) -> str:
    (name,) = [
        m["metadata"]["name"] for m in manifests(run) if m["kind"] == "Job" and m["metadata"]["name"].startswith(prefix)
    ]
    return name


def checksums(run: ProgramRun) -> dict[str, str]:
    """`checksum/secrets` of every pod template that has one, by object."""
    found = {}
    for m in manifests(run):
        if m["kind"] in ("Deployment", "StatefulSet"):
            annotations = m["spec"]["template"]["metadata"].get("annotations") or {}
            if CHECKSUM in annotations:
                found[f"{m['kind']}/{m['metadata']['name']}"] = annotations[CHECKSUM]
    return found


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {k for k in before if before[k] != after[k]}


STUDIO_PODS = {
    "Deployment/studio-backend",
    "Deployment/studio-keycloak",
    "Deployment/studio-event-ingestion",
    "Deployment/model-training-service-orchestrator",
    "Deployment/model-running-service-orchestrator",
    "StatefulSet/model-training-service-consumer",
    "StatefulSet/model-running-service-consumer",
}


def test_every_long_running_pod_that_reads_a_secret_has_a_checksum_and_no_other() -> None:
    run = run_stack("dev")
    found = checksums(run)
    assert set(found) == STUDIO_PODS | {"StatefulSet/postgresql", "StatefulSet/minio"}
    for m in manifests(run):
        if m["kind"] in ("Deployment", "StatefulSet") and f"{m['kind']}/{m['metadata']['name']}" not in found:
            text = repr(m["spec"]["template"]["spec"])
            # The broker reads the Studio user's password only to format its storage (the topics
            # Job sets a new one); the others read no Secret at all.
            assert "secretKeyRef" not in text or m["metadata"]["name"] == "kafka", m["metadata"]["name"]
    # Not a password's plain hash: keyed (tests below), 16 hex digits.
    assert all(len(v) == 16 and int(v, 16) >= 0 for v in found.values())


@pytest.mark.parametrize(
    ("counter", "jobs_rerun", "pods_rolled"),
    [
        ("databasePassword", {"database-init-"}, STUDIO_PODS),
        ("kafkaPassword", {"kafka-topics-"}, STUDIO_PODS),
        ("databaseAdminPassword", {"database-init-"}, {"StatefulSet/postgresql"}),
        # One checksum for all the values Studio's pods read: they all roll, MinIO with them.
        ("minioRootPassword", set(), STUDIO_PODS | {"StatefulSet/minio"}),
    ],
)
def test_a_raised_counter_reruns_and_rolls_exactly_what_uses_the_password(
    counter: str, jobs_rerun: set[str], pods_rolled: set[str]
) -> None:
    before, after = run_stack("dev"), run_stack("dev", f"passwordRotation.{counter}=1")
    for prefix in ("database-init-", "kafka-topics-"):
        assert (jobs(before, prefix) != jobs(after, prefix)) is (prefix in jobs_rerun), prefix
    assert changed(checksums(before), checksums(after)) == pods_rolled
    # The counter is a keeper of exactly one generated password: the others keep their values.
    kept = [r.inputs.get("keepers") for r in after.registrations if r.type == PASSWORD]
    assert sorted(kept, key=repr) == [*([None] * (len(kept) - 1)), {"rotation": "1"}]


def test_no_counter_means_no_keepers_so_existing_passwords_keep_their_values() -> None:
    """Stacks created before the counters have RandomPasswords without keepers: adding any would
    replace them (keepers are force-new)."""
    assert all(r.inputs.get("keepers") is None for r in run_stack("prod").registrations if r.type == PASSWORD)


def test_the_rds_master_password_changes_in_place_and_the_init_job_reruns() -> None:
    before, after = run_stack("prod"), run_stack("prod", "passwordRotation.databaseAdminPassword=2")
    (master,) = [r for r in after.registrations if r.type == PASSWORD and r.name.endswith("-master-password")]
    assert master.inputs["keepers"] == {"rotation": "2"}
    assert not master.protect
    (instance,) = [r for r in after.registrations if r.type == "aws:rds/instance:Instance"]
    # The instance takes the new value as an input (ModifyDBInstance, in place); nothing else of
    # it changes, so its identity stays.
    (old,) = [r for r in before.registrations if r.type == "aws:rds/instance:Instance"]
    assert instance.urn == old.urn
    assert {k: v for k, v in instance.inputs.items() if k != "password"} == {
        k: v for k, v in old.inputs.items() if k != "password"
    }
    assert jobs(before, "database-init-") != jobs(after, "database-init-")


def test_supplying_a_password_in_prod_deletes_no_generated_one_and_reaches_the_server() -> None:
    """Before: the generated password was protected and no longer registered once a value was
    supplied, so prod's preview failed on the delete."""
    given = stack_input("prod")
    before = run_stack("prod")
    after = run_config("prod", given.plain, {**SECRETS, **given.secrets, "databasePassword": "supplied-Pw-1"})
    generated = {r.urn for r in before.registrations if r.type == PASSWORD}
    assert generated <= {r.urn for r in after.registrations if r.type == PASSWORD}
    assert not any(r.protect for r in after.registrations if r.type == PASSWORD and "StudioSecrets" in r.urn)
    assert jobs(before, "database-init-") != jobs(after, "database-init-")
    assert changed(checksums(before), checksums(after))


def test_a_digest_is_keyed_and_so_confirms_no_guess_without_the_key() -> None:
    password = "Summer2026!"
    digest = keyed_digest("key-one", [password])
    assert digest == keyed_digest("key-one", [password])
    assert digest != keyed_digest("key-two", [password])
    assert digest != keyed_digest("key-one", ["Summer2026?"])
    # Unkeyed, anyone who reads the annotation could test a dictionary of passwords against it.
    assert digest not in (hashlib.sha256(password.encode()).hexdigest(), hashlib.md5(password.encode()).hexdigest())
    assert digest not in hashlib.sha256(f'["{password}"]'.encode()).hexdigest()


@pytest.mark.parametrize("bad", ["-1", "x"])
def test_a_counter_must_be_a_whole_number_from_zero(bad: str) -> None:
    from config import ConfigError

    given = stack_input("dev", f"passwordRotation.databasePassword={bad}")
    with pytest.raises(ConfigError) as info:
        run_config("dev", given.plain)
    assert any(p.startswith("rasa-studio:passwordRotation.databasePassword: ") for p in info.value.problems)


# --- the plan each rotation makes (tools/plan: the providers' force-new rules) ----------------

ROTATIONS = [
    ("dev", "databasePassword", "database-init-"),
    ("dev", "kafkaPassword", "kafka-topics-"),
    ("dev", "databaseAdminPassword", "database-init-"),
    ("dev", "minioRootPassword", None),
    ("prod", "databasePassword", "database-init-"),
    ("prod", "databaseAdminPassword", "database-init-"),
]


@pytest.mark.parametrize(("stack", "counter", "job"), ROTATIONS)
def test_a_rotation_goes_through_in_one_update_replacing_only_the_password_and_its_job(
    stack: str, counter: str, job: str | None
) -> None:
    p = plan.diff(run_stack(stack), run_stack(stack, f"passwordRotation.{counter}=1"))
    assert p.losses() == [] and p.stopped() == [], p.table()
    replaced = p.replaced()
    assert [s.type for s in replaced if not s.kind] == [PASSWORD]
    jobs_replaced = [s.object_name for s in replaced if s.kind]
    if job is None:
        assert jobs_replaced == []
    else:
        assert [n[: len(job)] for n in jobs_replaced] == [job]
    # The workloads that read it roll (an update of their pod template); none is recreated. In
    # prod no long-running pod reads the master password: RDS itself is updated in place.
    rolled = {s.kind for s in p.by_op("update") if s.kind in ("Deployment", "StatefulSet")}
    if (stack, counter) == ("prod", "databaseAdminPassword"):
        assert not rolled and [s.type for s in p.by_op("update") if s.type.startswith("aws:")] == [
            "aws:rds/instance:Instance"
        ], p.table()
    else:
        assert rolled, p.table()
