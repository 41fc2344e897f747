"""The rules that compare a config with the stack's last deployment (config/previous.py). Their
effect through the whole program (refusals, a renamed stack, released claims) is in test_day2.py,
which shares its runs."""

from __future__ import annotations

from typing import Any

from config.previous import Previous, class_problems, deployment_output, downgrade_problems, shrink_problems


def deployed(version: str, claims: dict[str, str] | None = None, instance: str = "dev") -> dict[str, Any]:
    """Outputs of an earlier update, as the stack's backend returns them."""
    return {"deployment": deployment_output(version, instance, claims or {}, {"ns/c": "gp3"})}


# --- pure rules -----------------------------------------------------------------------------


def test_previous_reads_this_programs_output_and_the_contract_of_earlier_releases() -> None:
    assert Previous.from_outputs(deployed("1.12.0", {"ns/c": "2Gi"}, "prod")) == Previous(
        "1.12.0", "prod", {"ns/c": "2Gi"}, {"ns/c": "gp3"}
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


def test_a_claim_keeps_its_storage_class() -> None:
    last = Previous(storage_classes={"ns/a": "gp3", "ns/b": ""})
    rwo = "kubernetes.storageClasses.readWriteOnce"
    (problem,) = class_problems({"ns/a": (rwo, "gp2")}, last)
    assert problem.startswith(f"rasa-studio:{rwo}: the volume claim ns/a was created with storage class gp3")
    (default,) = class_problems({"ns/b": (rwo, "gp2")}, last)
    assert "created with the cluster's default storage class" in default
    assert class_problems({"ns/a": (rwo, "gp3"), "ns/new": (rwo, "x")}, last) == []
