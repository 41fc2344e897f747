"""Day 2 without loss: ordinary changes to a running stack, judged by the plan `pulumi up` would make.

Each case renders the stack before and after one change and replays the update with tools/plan
(the providers' force-new rules, the engine's dependent replacements and protect/retainOnDelete).
No case may lose data: a stateful resource (namespace, volume claim, database, Kafka, bucket, KMS
key) is never replaced or deleted unless protection stops the update or retention leaves it in
place. A supported operation goes through in one update, touching no protected resource; the
others stop at protection, and docs/operations.md gives the steps through.

Whole-program runs are the cost here (about 0.4 s each), so the table holds one pair per rule:

- versions: what decides a stateful resource (the databases, topics and bucket accounts the
  components need, the volume claims and their classes) changes between adjacent supported
  versions only at the architecture switch; `test_adjacent_versions_differ_in_stateful_needs_only_
  at_the_switch` checks that for every adjacent pair in every stack, without a program run. Every
  embedded pair changes the same kinds of objects (Deployments, the web client's ConfigMap, Jobs),
  so the table renders the switch in each stack and the newest pair in prod, where protection
  makes a stop visible;
- each other change once, in the stack where its rule bites: protection (staging, prod),
  in-cluster volumes (dev), MSK and the bucket (staging), and the claim class in both.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from components.day2 import claim_classes, volume_claims
from components.requirements import requirements
from config import ConfigError, validate
from config.versions import CONTRACTS
from tests.harness import SECRETS, run_config, run_stack, stack_input
from tools import plan
from tools.plan import Plan
from tools.program import ProgramRun
from tools.render import EXIT_INVALID, render

Expect = Literal["through", "stopped", "refused"]
EMBEDDED = ("modelService.architecture=embedded",)
LATEST = (f"studio.version={CONTRACTS[-1].studio}", *EMBEDDED)


def version(v: str) -> tuple[str, ...]:
    return (f"studio.version={v}", *(EMBEDDED if v != "1.7.0" else ()))


@dataclass(frozen=True)
class Case:
    id: str
    stack: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    # The rule this pair covers, and so why it is in the table.
    rule: str
    expect: Expect = "through"
    # "Kind name" (or resource type) of every step that must stop the update, for `stopped`;
    # the config key the refusal names, for `refused`.
    at: frozenset[str] = field(default_factory=frozenset)
    # The stack the change is applied under (a `pulumi stack rename`), when not `stack`.
    renamed: str | None = None
    # Hand the "after" run the "before" run's outputs, as the engine does (config/previous.py).
    # Off where they change nothing but the outputs, so that runs are shared between pairs.
    remembers: bool = False


def at(*steps: str) -> frozenset[str]:
    return frozenset(steps)


VERSIONS = [c.studio for c in CONTRACTS]
MSK = ("aws:msk/cluster:Cluster rasa-studio-backing-kafka-cluster", "aws:kms/key:Key rasa-studio-backing-kafka-key")
# Protected with MSK (issue 26): its SCRAM credentials and their association go and stop with it.
SCRAM = (
    "aws:secretsmanager/secret:Secret rasa-studio-backing-kafka-scram",
    "aws:msk/scramSecretAssociation:ScramSecretAssociation rasa-studio-backing-kafka-scram-association",
)
# The stack files pin `instance`; the rename cases without it show what the read-back remembers.
UNPINNED = ("instance=null",)
# The stack files pin MSK's subnets too; without that, adding a subnet would move MSK.
UNPINNED_MSK = ("kafka.subnetIds=null",)
BUCKET_KEY = "aws:kms/key:Key rasa-studio-backing-object-storage-key"
EMBEDDED_CLAIM = "PersistentVolumeClaim rasa-pro-data-pvc-rasa-studio"
STAGING_SUBNETS = stack_input("staging").plain["aws"]["subnetIds"]
THIRD_SUBNET = "subnet-0a1b2c3d4e5f60003"

# Runs are shared between cases wherever a "before" is another case's "after" or base: the three
# stack files, the switch to 1.10.0 in each stack (the embedded base of the ingestion cases) and
# the newest version in prod: 25 whole-program runs in all, and 4 refused before they register
# anything.
SWITCHED = version("1.10.0")
GROWN = (
    "database.storageSize=20Gi",
    "kafka.storageSize=20Gi",
    "objectStorage.storageSize=20Gi",
    "modelService.storageSize=2Gi",
)
NO_INGESTION = "studio.eventIngestion.enabled=false"

CASES = [
    # --- Studio versions --------------------------------------------------------------------
    Case(
        "prod 1.7.0 -> 1.10.0",
        "prod",
        (),
        SWITCHED,
        "the architecture switch lets go of the orchestrated claims (retained, not protected) in one update",
        remembers=True,
    ),
    Case("dev 1.7.0 -> 1.10.0", "dev", (), SWITCHED, "the switch with in-cluster backing services"),
    Case("staging 1.7.0 -> 1.10.0", "staging", (), SWITCHED, "the switch with staging's protection"),
    Case(
        f"prod {VERSIONS[-2]} -> {VERSIONS[-1]}",
        "prod",
        version(VERSIONS[-2]),
        LATEST,
        "an embedded pair: images, the web client's config, the migration Job; nothing stateful",
    ),
    Case(
        "prod rollback to 1.7.0",
        "prod",
        LATEST,
        (),
        "a downgrade is refused before anything runs",
        "refused",
        at("studio.version"),
        remembers=True,
    ),
    Case(
        "prod rollback to 1.7.0, acknowledged",
        "prod",
        LATEST,
        (f"acknowledgeDowngrade={VERSIONS[-1]}",),
        "the acknowledged rollback stops at the protected embedded claim (docs: Rolling back)",
        "stopped",
        at(EMBEDDED_CLAIM),
        remembers=True,
    ),
    # --- namespace and stack ----------------------------------------------------------------
    Case(
        "prod createNamespace true -> false",
        "prod",
        LATEST,
        (*LATEST, "kubernetes.createNamespace=false"),
        "the Namespace is retained: nothing inside it goes",
    ),
    Case(
        "dev namespace renamed",
        "dev",
        (),
        ("kubernetes.namespace=studio", "studio.gateway.parentRef.namespace=studio"),
        "the old namespace and its claims are retained; the claim patches move by an apply",
    ),
    Case(
        "prod namespace renamed",
        "prod",
        LATEST,
        (*LATEST, "kubernetes.namespace=studio"),
        "a protected claim in the old namespace stops the move",
        "stopped",
        at("PersistentVolumeClaim rasa-pro-data-pvc-studio"),
    ),
    Case(
        "prod stack renamed",
        "prod",
        UNPINNED,
        UNPINNED,
        "physical names follow the instance the stack was deployed with, not its new name",
        renamed="prod-eu",
        remembers=True,
    ),
    Case(
        "prod stack renamed, instance pinned in the stack file",
        "prod",
        (),
        (),
        "the stack file names the instance: nothing to remember, nothing changes",
        renamed="prod-eu",
    ),
    Case(
        "prod stack renamed, deployed by an earlier release",
        "prod",
        UNPINNED,
        UNPINNED,
        "without the read-back the names would change: protection stops it (docs: pin `instance`)",
        "stopped",
        at(MSK[0], *SCRAM, "aws:s3/bucket:Bucket rasa-studio-backing-object-storage-bucket"),
        renamed="prod-eu",
    ),
    # --- AWS ----------------------------------------------------------------------------------
    Case(
        "staging subnet added",
        "staging",
        UNPINNED_MSK,
        (*UNPINNED_MSK, f"aws.subnetIds={[*STAGING_SUBNETS, THIRD_SUBNET]}".replace("'", '"')),
        "MSK's client subnets are force-new: protection stops it",
        "stopped",
        at(MSK[0]),
    ),
    Case(
        "staging subnet added, MSK pinned",
        "staging",
        (),
        (
            f"kafka.subnetIds={STAGING_SUBNETS}".replace("'", '"'),
            f"aws.subnetIds={[*STAGING_SUBNETS, THIRD_SUBNET]}".replace("'", '"'),
        ),
        "with kafka.subnetIds pinned only the RDS subnet group changes, in place",
    ),
    Case(
        "staging bucket named",
        "staging",
        (),
        ("objectStorage.bucket=studio-models",),
        "a new bucket name replaces the bucket: protection stops it",
        "stopped",
        at("aws:s3/bucket:Bucket rasa-studio-backing-object-storage-bucket"),
    ),
    Case(
        "prod bucket encryption aws:kms -> AES256",
        "prod",
        (),
        ("objectStorage.encryption=AES256",),
        "the key of the objects written so far is protected (and retained)",
        "stopped",
        at(BUCKET_KEY),
    ),
    Case(
        "prod RDS and MSK settings",
        "prod",
        (),
        (
            "database.instanceClass=db.m7g.xlarge",
            "database.allocatedStorageGib=200",
            "database.maxAllocatedStorageGib=1000",
            "database.backupRetentionDays=21",
            "database.multiAz=false",
            "kafka.instanceType=kafka.m7g.xlarge",
            "kafka.volumeSizeGib=200",
            "kafka.enhancedMonitoring=DEFAULT",
            "kafka.brokerLogRetentionDays=7",
        ),
        "RDS class, storage, backups and Multi-AZ, MSK broker type, storage and monitoring: in place",
    ),
    Case(
        "prod PostgreSQL and Kafka major upgrades",
        "prod",
        (),
        ("database.engineVersion='18'", "kafka.kafkaVersion=3.7.1"),
        "the new parameter group and MSK configuration are created under their own names beside the old",
    ),
    # --- volumes ------------------------------------------------------------------------------
    Case(
        "dev storage sizes grown",
        "dev",
        (),
        GROWN,
        "claims grow through patches and in place; the StatefulSets' templates are left alone",
        remembers=True,
    ),
    Case(
        "dev storage size shrunk",
        "dev",
        GROWN,
        (*GROWN, "database.storageSize=10Gi"),
        "a smaller claim is refused before anything runs",
        "refused",
        at("database.storageSize"),
        remembers=True,
    ),
    Case(
        "dev storage class changed",
        "dev",
        (),
        ("kubernetes.storageClasses.readWriteOnce=fast",),
        "a model-service claim keeps its class (a new one would replace it): refused before anything runs",
        "refused",
        at("kubernetes.storageClasses.readWriteOnce"),
        remembers=True,
    ),
    Case(
        "prod storage class of the embedded claim changed",
        "prod",
        LATEST,
        (*LATEST, "kubernetes.storageClasses.readWriteOnce=gp2"),
        "MUST FAIL: without the read-back (a first update with this release, the offline render), a new "
        "class replaces the protected claim, so `pulumi up` stops there",
        "stopped",
        at(EMBEDDED_CLAIM),
    ),
    # --- event ingestion ----------------------------------------------------------------------
    Case(
        "dev ingestion off",
        "dev",
        SWITCHED,
        (*SWITCHED, NO_INGESTION),
        "the broker goes; its claim stays (persistentVolumeClaimRetentionPolicy Retain)",
    ),
    Case(
        "dev ingestion on again",
        "dev",
        (*SWITCHED, NO_INGESTION),
        SWITCHED,
        "a broker comes back and re-adopts its claim",
    ),
    Case(
        "staging ingestion off",
        "staging",
        SWITCHED,
        (*SWITCHED, NO_INGESTION),
        "MSK and its key are protected: the update stops (docs: the steps to let them go)",
        "stopped",
        at(*MSK, *SCRAM),
    ),
]


def runs(case: Case) -> tuple[ProgramRun, ProgramRun]:
    before = run_stack(case.stack, *case.before)
    previous = before.outputs if case.remembers else None
    if case.renamed is None:
        return before, run_stack(case.stack, *case.after, previous=previous)
    given = stack_input(case.stack, *case.after)
    return before, run_config(case.renamed, given.plain, {**SECRETS, **given.secrets}, previous=previous)


def describe(step: plan.Step) -> str:
    return f"{step.kind} {step.object_name}" if step.kind else f"{step.type} {step.name}"


def losses(p: Plan) -> set[str]:
    return {describe(s) for s in p.losses()}


def named(case_id: str) -> Case:
    (found,) = [c for c in CASES if c.id == case_id]
    return found


def goes_through(p: Plan) -> None:
    """A supported operation: nothing lost, nothing protected replaced or deleted."""
    assert not losses(p), [s.describe() for s in p.losses()]
    assert not p.stopped(), [s.describe() for s in p.stopped()]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_adjacent_versions_differ_in_stateful_needs_only_at_the_switch(stack: str) -> None:
    def needs(v: str) -> tuple[object, ...]:
        config, problems = validate(stack_input(stack, *version(v)).plain)
        assert config is not None, problems
        return (requirements(config), volume_claims(config), claim_classes(config))

    pairs = list(itertools.pairwise(VERSIONS))
    differ = [(a, b) for a, b in pairs if needs(a) != needs(b)]
    assert differ == [("1.7.0", "1.10.0")]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_change_loses_data(case: Case) -> None:
    if case.expect == "refused":
        with pytest.raises(ConfigError) as raised:
            runs(case)
        named = {line.split(": ")[0] for line in str(raised.value).splitlines() if line.startswith("rasa-studio:")}
        assert named == {f"rasa-studio:{key}" for key in case.at}
        return
    p = plan.diff(*runs(case))
    if case.expect == "through":
        goes_through(p)
        return
    assert not losses(p), p.table()
    assert {describe(s) for s in p.stopped()} == case.at, p.table()


def test_the_check_fails_where_a_protected_claim_would_be_replaced() -> None:
    p = plan.diff(*runs(named("prod storage class of the embedded claim changed")))
    with pytest.raises(AssertionError, match="rasa-pro-data-pvc-rasa-studio"):
        goes_through(p)
    step = p.find("PersistentVolumeClaim", "rasa-pro-data-pvc-rasa-studio")
    assert (step.op, step.protect, step.why) == ("replace", True, ["spec.storageClassName"])


def test_the_architecture_switch_lets_go_of_the_orchestrated_claims_and_lists_them() -> None:
    before, after = runs(named("prod 1.7.0 -> 1.10.0"))
    p = plan.diff(before, after)
    assert sorted(describe(s) for s in p.retained()) == [
        "PersistentVolumeClaim model-running-service-data-pvc-rasa-studio",
        "PersistentVolumeClaim model-training-service-data-pvc-rasa-studio",
    ]
    assert after.outputs["retainedVolumeClaims"] == [
        "rasa-studio/model-running-service-data-pvc-rasa-studio",
        "rasa-studio/model-training-service-data-pvc-rasa-studio",
    ]


def test_the_namespace_flip_leaves_every_object_in_place() -> None:
    p = plan.diff(*runs(named("prod createNamespace true -> false")))
    # The Namespace is dropped but retained; no object inside it changes at all.
    assert [(s.op, s.outcome, describe(s)) for s in p.changed()] == [("delete", "retained", "Namespace rasa-studio")]


def test_a_renamed_stack_changes_nothing() -> None:
    before, after = runs(named("prod stack renamed"))
    p = plan.diff(before, after)
    # Only the AWS provider's default tag names the stack (tags update in place).
    assert {describe(s) for s in p.changed()} == {"pulumi:providers:aws aws"}, p.table()
    assert after.outputs["deployment"]["instance"] == "prod"
    # Without the read-back the stack name is the instance, hence the case that stops.
    assert (
        runs(named("prod stack renamed, deployed by an earlier release"))[1].outputs["deployment"]["instance"]
        == "prod-eu"
    )


def test_grown_volumes_patch_the_claims_and_replace_no_statefulset() -> None:
    before, grown = runs(named("dev storage sizes grown"))
    patches = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]["resources"]["requests"]["storage"]
        for r in grown.by_type("kubernetes:core/v1:PersistentVolumeClaimPatch")
    }
    # Exactly the claims the StatefulSet controller makes, and the claims the output records.
    assert patches == {"data-postgresql-0": "20Gi", "data-kafka-0": "20Gi", "data-minio-0": "20Gi"}
    recorded = grown.outputs["deployment"]["volumeClaims"]
    assert {f"rasa-studio/{claim}": size for claim, size in patches.items()}.items() <= recorded.items()
    for patch in grown.by_type("kubernetes:core/v1:PersistentVolumeClaimPatch"):
        # Applied once the StatefulSet (and so its claims) exists; kept when dropped.
        assert any("StatefulSet" in dep for dep in patch.depends_on) and patch.retain_on_delete, patch.name
    for sts in grown.by_type("kubernetes:apps/v1:StatefulSet"):
        if sts.inputs["spec"].get("volumeClaimTemplates"):
            assert sts.ignore_changes == ["spec.volumeClaimTemplates"], sts.name
    p = plan.diff(before, grown)
    updated = {describe(s) for s in p.by_op("update")}
    assert {
        "PersistentVolumeClaimPatch data-postgresql-0",
        "PersistentVolumeClaimPatch data-kafka-0",
        "PersistentVolumeClaimPatch data-minio-0",
        "PersistentVolumeClaim model-training-service-data-pvc-rasa-studio",
        "PersistentVolumeClaim model-running-service-data-pvc-rasa-studio",
    } <= updated
    assert not p.by_op("replace", "delete", "create"), p.table()


def test_claims_protected_by_an_earlier_release_take_one_update_before_the_switch() -> None:
    """docs/operations.md: stacks deployed before this release had the orchestrated claims
    protected in prod; Pulumi checks protection on the state it starts from."""
    before, after = runs(named("prod 1.7.0 -> 1.10.0"))
    claims = "kubernetes:core/v1:PersistentVolumeClaim"
    earlier = [dataclasses.replace(r, protect=True) if r.type == claims else r for r in plan.resources(before)]
    assert {describe(s) for s in plan.diff(earlier, after).stopped()} == {
        "PersistentVolumeClaim model-running-service-data-pvc-rasa-studio",
        "PersistentVolumeClaim model-training-service-data-pvc-rasa-studio",
    }
    # One update with this release at the same version only drops the protection...
    assert plan.diff(earlier, before).changed() == []
    # ...and from there the switch goes through (test_no_change_loses_data[prod 1.7.0 -> 1.10.0]).


def test_the_renderer_runs_the_checks_against_the_last_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    # Pulumi.prod.yaml (1.7.0) after the stack ran the newest version: a downgrade.
    outputs.write_text(json.dumps(run_stack("prod", *LATEST).outputs))
    assert render(["prod", "--out", str(tmp_path / "out"), "--previous", str(outputs)]) == EXIT_INVALID
    assert "rasa-studio:studio.version: 1.7.0 is older than" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    outputs.write_text("[]")
    assert render(["prod", "--out", str(tmp_path / "out"), "--previous", str(outputs)]) == EXIT_INVALID
    assert "not the JSON object" in capsys.readouterr().err


def test_a_destroy_waits_on_no_volume_claim_and_leaves_the_data() -> None:
    """issue 26: a Rasa Pro Job the consumers started keeps its claim in use, and a delete of that
    claim would wait out its timeout; Pulumi never deletes a claim or the namespace, in any stack."""
    destroy = plan.diff(run_stack("dev"), [])
    kept = {describe(s) for s in destroy.steps if s.kind in ("Namespace", "PersistentVolumeClaim")}
    assert len(kept) == 3 and kept <= {describe(s) for s in destroy.retained()}
    assert not destroy.losses() and not destroy.stopped()
    # The claim patches give nothing up on the way out either (a retained patch keeps the size).
    assert all(s.outcome == "retained" for s in destroy.steps if s.kind == "PersistentVolumeClaimPatch")


def test_every_case_names_its_rule_once() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.rule for c in CASES)
    assert all(c.at for c in CASES if c.expect != "through")
    assert any(c.expect == "stopped" and EMBEDDED_CLAIM in c.at for c in CASES)
