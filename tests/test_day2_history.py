"""What the program remembers of the last deployment (config/previous.py, components/day2.py):
downgrades and shrunk volumes refused, names kept across a stack rename, released claims listed,
in-cluster volumes grown through patches."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError
from config.previous import Previous, downgrade_problems, shrink_problems
from tests.harness import run_config, run_stack, stack_input
from tools.program import ProgramRun

EMBEDDED = ("studio.version=1.10.0", "modelService.architecture=embedded")


def deployed(version: str, claims: dict[str, str] | None = None, instance: str = "dev") -> dict[str, Any]:
    """Outputs of an earlier update, as the stack's backend returns them."""
    return {"deployment": {"studioVersion": version, "instance": instance, "volumeClaims": claims or {}}}


# --- pure rules -----------------------------------------------------------------------------


def test_previous_reads_this_programs_output_and_the_contract_of_earlier_releases() -> None:
    assert Previous.from_outputs(deployed("1.12.0", {"ns/c": "2Gi"}, "prod")) == Previous(
        "1.12.0", "prod", {"ns/c": "2Gi"}
    )
    # A stack last deployed by a release without the `deployment` output: its contract label.
    assert Previous.from_outputs({"contract": "chart 2.0.4 (Studio 1.11.0)"}).studio_version == "1.11.0"
    assert Previous.from_outputs({}) == Previous() == Previous.from_outputs(None)
    assert Previous.from_outputs({"deployment": "garbage"}) == Previous()


def test_a_downgrade_is_refused_naming_the_key_unless_acknowledged_with_the_version_left() -> None:
    last = Previous(studio_version="1.12.0")
    (refused,) = downgrade_problems("1.11.0", None, last)
    assert refused.startswith("rasa-studio:studio.version: 1.11.0 is older than 1.12.0") and "Rolling back" in refused
    assert 'acknowledgeDowngrade: "1.12.0"' in refused
    assert downgrade_problems("1.11.0", "1.12.0", last) == []
    # Acknowledging another version is no acknowledgement of this one.
    assert downgrade_problems("1.11.0", "1.13.0", last)
    assert downgrade_problems("1.12.0", None, last) == downgrade_problems("1.13.0", None, last) == []
    # A first deployment, or a version this program did not write, has nothing to compare with.
    assert downgrade_problems("1.7.0", None, Previous()) == []
    assert downgrade_problems("1.7.0", None, Previous(studio_version="latest")) == []
    # A waiver left behind after the rollback would let the next downgrade from that version through.
    (stale,) = downgrade_problems("1.12.0", "1.12.0", last)
    assert stale.startswith("rasa-studio:acknowledgeDowngrade: ") and "remove it" in stale


def test_a_claim_only_grows() -> None:
    last = Previous(volume_claims={"ns/data-kafka-0": "10Gi", "ns/data-kafka-1": "10Gi", "ns/x": "1Gi"})
    sized = {claim: ("kafka.storageSize", "8Gi") for claim in ("ns/data-kafka-0", "ns/data-kafka-1")}
    (problem,) = shrink_problems(sized, last)
    assert problem.startswith("rasa-studio:kafka.storageSize: cannot shrink the volume claim ns/data-kafka-0")
    assert "from 10Gi to 8Gi" in problem
    assert shrink_problems({"ns/data-kafka-0": ("kafka.storageSize", "10240Mi")}, last) == []
    assert shrink_problems({"ns/x": ("modelService.storageSize", "2Gi")}, last) == []
    assert shrink_problems({"ns/new": ("database.storageSize", "1Mi")}, last) == []


# --- through the program --------------------------------------------------------------------


def refused(stack: str, *sets: str, previous: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        run_stack(stack, *sets, previous=previous)
    return [line for line in str(raised.value).splitlines() if line.startswith("rasa-studio:")]


def test_the_program_refuses_a_downgrade_and_a_shrunk_volume_before_registering_anything() -> None:
    dev = run_stack("dev")
    assert dev.outputs["deployment"]["studioVersion"] == "1.7.0"
    claims = dev.outputs["deployment"]["volumeClaims"]
    assert claims["rasa-studio/data-postgresql-0"] == "10Gi"
    problems = refused("dev", "database.storageSize=5Gi", previous=deployed("1.10.0", claims))
    assert sorted(p.split(": ")[0] for p in problems) == ["rasa-studio:database.storageSize", "rasa-studio:studio.version"]


def test_the_upgrade_to_the_embedded_model_service_lists_the_claims_it_lets_go_of() -> None:
    before = run_stack("prod")
    assert before.outputs["retainedVolumeClaims"] == []
    after = run_stack("prod", *EMBEDDED, previous=before.outputs)
    assert after.outputs["retainedVolumeClaims"] == [
        "rasa-studio/model-running-service-data-pvc-rasa-studio",
        "rasa-studio/model-training-service-data-pvc-rasa-studio",
    ]


def physical_names(run: ProgramRun) -> dict[tuple[str, str, str], str]:
    # By type and logical name: a URN carries the stack name (`pulumi stack rename` rewrites it).
    keys = ("identifier", "clusterName", "bucketPrefix", "name", "description")
    return {
        (r.type, r.name, k): str(r.inputs[k])
        for r in run.registrations
        if r.type.startswith("aws:")
        for k in keys
        if k in r.inputs
    }


def test_a_renamed_stack_keeps_its_physical_names_and_instance_label() -> None:
    before = run_stack("staging")
    # `pulumi stack rename staging studio-staging`: same state, so the same outputs read back.
    config = stack_input("staging").plain
    kept = run_config("studio-staging", config, previous=before.outputs)
    assert physical_names(kept) == physical_names(before)
    assert kept.outputs["deployment"]["instance"] == "staging"
    # A first deployment under the new name (nothing to read back) takes the stack name, and
    # `instance` pins it either way.
    fresh = run_config("studio-staging", config)
    assert fresh.outputs["deployment"]["instance"] == "studio-staging"
    assert physical_names(fresh) != physical_names(before)
    pinned = run_config("studio-staging", {**config, "instance": "staging"})
    assert physical_names(pinned) == physical_names(before)


def test_in_cluster_volumes_grow_through_claim_patches_and_leave_the_templates_alone() -> None:
    grown = run_stack("dev", "database.storageSize=20Gi", "kafka.storageSize=30Gi")
    patches = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]["resources"]["requests"]["storage"]
        for r in grown.by_type("kubernetes:core/v1:PersistentVolumeClaimPatch")
    }
    # Exactly the claims the StatefulSet controller makes, and the claims the output records.
    assert patches == {"data-postgresql-0": "20Gi", "data-kafka-0": "30Gi", "data-minio-0": "10Gi"}
    recorded = grown.outputs["deployment"]["volumeClaims"]
    assert {f"rasa-studio/{claim}": size for claim, size in patches.items()}.items() <= recorded.items()
    for sts in grown.by_type("kubernetes:apps/v1:StatefulSet"):
        if sts.inputs["spec"].get("volumeClaimTemplates"):
            assert sts.ignore_changes == ["spec.volumeClaimTemplates"], sts.name
            (template,) = sts.inputs["spec"]["volumeClaimTemplates"]
            assert template["metadata"]["name"] == "data"
    for patch in grown.by_type("kubernetes:core/v1:PersistentVolumeClaimPatch"):
        # Applied once the StatefulSet (and so its claims) exists.
        assert any("StatefulSet" in dep for dep in patch.depends_on), patch.name
