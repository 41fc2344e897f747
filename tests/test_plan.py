"""The plan replayer (tools/plan) against the provider and engine rules it cites.

Synthetic resources pin each rule with a case where it must fire and one where it must not;
the program's own runs check that the replayer reads real registrations.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.harness import run_stack
from tools import plan
from tools.plan import Resource
from tools.plan.paths import UNKNOWN, Change, changes, parse, touches

STACK = "urn:pulumi:dev::rasa-studio::"
K8S = f"{STACK}pulumi:providers:kubernetes::kubernetes"


def k8s(kind: str, name: str, spec: dict[str, Any], api: str = "v1", **options: Any) -> Resource:
    group_type = {"v1": "core/v1", "apps/v1": "apps/v1", "batch/v1": "batch/v1"}[api]
    obj = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "rasa-studio"}, **spec}
    return Resource(
        urn=f"{STACK}kubernetes:{group_type}:{kind}::{name}",
        type=f"kubernetes:{group_type}:{kind}",
        name=name,
        custom=True,
        provider=f"{K8S}::kubernetes-id",
        inputs=obj,
        **options,
    )


def provider(**inputs: Any) -> Resource:
    return Resource(
        urn=K8S, type="pulumi:providers:kubernetes", name="kubernetes", custom=True, provider="", inputs=inputs
    )


def secret(value: str, **options: Any) -> Resource:
    return k8s("Secret", "studio-secrets", {"type": "Opaque", "stringData": {"KEY": value}}, **options)


def deployment(secret_name: str, from_secret: bool, **options: Any) -> Resource:
    spec = {"spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {"spec": {"secret": secret_name}}}}
    urn = f"{STACK}kubernetes:core/v1:Secret::studio-secrets"
    deps = {"spec": (urn,)} if from_secret else {}
    return k8s("Deployment", "web", spec, api="apps/v1", depends_on=(urn,), property_dependencies=deps, **options)


# ---- paths: the merge-patch walk and the provider's jsonpath match --------------------------------


def test_changes_are_leaves_of_maps_and_list_elements() -> None:
    old = {"spec": {"a": 1, "list": [{"x": 1}, {"x": 2}]}}
    new = {"spec": {"a": 1, "list": [{"x": 1}, {"x": 3}], "b": {"c": 1}}}
    assert [c.path for c in changes(old, new)] == [("spec", "b"), ("spec", "list", 1, "x")]
    assert changes(old, old) == []


def test_a_rule_matches_at_or_above_the_leaf_and_inside_a_new_value() -> None:
    image = parse(".spec.containers[*].image")
    assert touches(Change(("spec", "containers", 0, "image"), "x"), image)
    assert not touches(Change(("spec", "containers", 0, "name"), "x"), image)
    assert touches(Change(("spec", "template", "spec"), "x"), parse(".spec.template"))
    # A whole new map holds the rule's path, or does not.
    assert touches(Change(("spec",), {"selector": {}}), parse(".spec.selector"))
    assert not touches(Change(("spec",), {"replicas": 2}), parse(".spec.selector"))
    # An unknown value may hold anything.
    assert touches(Change(("spec",), UNKNOWN), parse(".spec.selector"))
    assert not touches(Change(("metadata",), UNKNOWN), parse(".spec.selector"))


# ---- pulumi-kubernetes: force-new rules and the mutable flags ----------------------------------


@pytest.mark.parametrize(("mutable", "op"), [("true", "update"), (None, "replace"), ("false", "replace")])
def test_secret_data_replaces_unless_the_provider_says_mutable(mutable: str | None, op: str) -> None:
    flags = {} if mutable is None else {"enableSecretMutable": mutable}
    p = plan.diff([provider(**flags), secret("a")], [provider(**flags), secret("b")])
    step = p.find("Secret", "studio-secrets")
    assert step.op == op
    # A named object keeps its name, so the provider deletes it before creating the replacement.
    assert step.delete_before_replace == (op == "replace")


def test_an_immutable_secret_is_replaced_even_when_secrets_are_mutable() -> None:
    flags = {"enableSecretMutable": "true"}
    before = k8s("Secret", "s", {"immutable": True, "stringData": {"K": "a"}})
    after = k8s("Secret", "s", {"immutable": True, "stringData": {"K": "b"}})
    assert plan.diff([provider(**flags), before], [provider(**flags), after]).find("Secret", "s").op == "replace"


def test_claims_grow_in_place_but_a_new_storage_class_replaces_them() -> None:
    def claim(size: str, cls: str) -> Resource:
        return k8s(
            "PersistentVolumeClaim",
            "data",
            {"spec": {"resources": {"requests": {"storage": size}}, "storageClassName": cls}},
        )

    assert plan.diff([claim("1Gi", "gp3")], [claim("2Gi", "gp3")]).find("PersistentVolumeClaim", "data").op == "update"
    step = plan.diff([claim("1Gi", "gp3")], [claim("1Gi", "efs")]).find("PersistentVolumeClaim", "data")
    assert step.op == "replace"
    assert step.why == ["spec.storageClassName"]


def test_a_statefulset_claim_template_and_a_job_template_replace() -> None:
    def sts(size: str) -> Resource:
        return k8s(
            "StatefulSet",
            "pg",
            {"spec": {"volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": size}}}}]}},
            api="apps/v1",
        )

    def job(image: str) -> Resource:
        return k8s(
            "Job", "migrate", {"spec": {"template": {"spec": {"containers": [{"image": image}]}}}}, api="batch/v1"
        )

    assert plan.diff([sts("1Gi")], [sts("2Gi")]).find("StatefulSet", "pg").op == "replace"
    assert plan.diff([job("a")], [job("b")]).find("Job", "migrate").op == "replace"


def test_a_new_context_replaces_the_provider_and_everything_it_manages() -> None:
    p = plan.diff([provider(context="a"), secret("x")], [provider(context="b"), secret("x")])
    assert p.find("Secret", "studio-secrets").op == "replace"
    assert plan.diff([provider(context="a"), secret("x")], [provider(context="a"), secret("x")]).changed() == []


# ---- the engine: dependent replacement ---------------------------------------------------------


def test_a_workload_taking_a_value_from_a_replaced_secret_is_replaced_with_it() -> None:
    p = plan.diff([secret("a"), deployment("s", True)], [secret("b"), deployment("s", True)])
    web = p.find("Deployment", "web")
    assert web.op == "replace"
    assert web.delete_before_replace
    assert "studio-secrets" in web.why[0]


def test_a_depends_on_edge_alone_never_cascades() -> None:
    p = plan.diff([secret("a"), deployment("s", False)], [secret("b"), deployment("s", False)])
    assert p.find("Secret", "studio-secrets").op == "replace"
    assert p.find("Deployment", "web").op == "same"


def test_no_cascade_when_the_secret_is_patched_in_place() -> None:
    flags = {"enableSecretMutable": "true"}
    p = plan.diff(
        [provider(**flags), secret("a"), deployment("s", True)], [provider(**flags), secret("b"), deployment("s", True)]
    )
    assert [s.op for s in p.changed()] == ["update"]


# ---- outcomes: what protection and retention make of a step ------------------------------------


def claim(**options: Any) -> Resource:
    return k8s("PersistentVolumeClaim", "data", {"spec": {"storageClassName": "gp3"}}, **options)


def moved_claim(**options: Any) -> Resource:
    return k8s("PersistentVolumeClaim", "data", {"spec": {"storageClassName": "efs"}}, **options)


def test_replacing_an_unprotected_claim_loses_its_volume() -> None:
    p = plan.diff([claim()], [moved_claim()])
    assert [s.object_name for s in p.losses()] == ["data"]


def test_protection_stops_the_replacement_of_a_claim() -> None:
    p = plan.diff([claim(protect=True)], [moved_claim(protect=True)])
    assert p.losses() == []
    assert [s.object_name for s in p.stopped()] == ["data"]


def test_retention_keeps_a_deleted_claim_but_cannot_replace_one_under_its_name() -> None:
    assert plan.diff([claim(retain_on_delete=True)], []).find("PersistentVolumeClaim", "data").outcome == "retained"
    replaced = plan.diff([claim(retain_on_delete=True)], [moved_claim(retain_on_delete=True)])
    assert replaced.find("PersistentVolumeClaim", "data").outcome == "stopped"


def test_a_patch_holds_no_data_and_a_retained_one_is_replaced_by_an_apply() -> None:
    def patch(namespace: str, **options: Any) -> Resource:
        base = k8s("PersistentVolumeClaim", "data", {"spec": {"resources": {"requests": {"storage": "2Gi"}}}})
        inputs = {**base.inputs, "metadata": {"name": "data", "namespace": namespace}}
        typ = "kubernetes:core/v1:PersistentVolumeClaimPatch"
        return Resource(
            **{**vars(base), "type": typ, "urn": base.urn.replace(base.type, typ), "inputs": inputs, **options}
        )

    assert plan.diff([patch("a")], []).find("PersistentVolumeClaimPatch", "data").outcome == "ok"
    moved = plan.diff([patch("a", retain_on_delete=True)], [patch("b", retain_on_delete=True)])
    assert moved.find("PersistentVolumeClaimPatch", "data").outcome == "retained"
    # A claim, unlike its patch, cannot be recreated under a name a retained claim still holds.
    assert claim().kind == "PersistentVolumeClaim" and not claim().patch


def test_an_aws_replacement_under_the_same_name_stops_unless_deleted_first() -> None:
    def configuration(version: str, name: str = "studio-kafka", **options: Any) -> Resource:
        typ = "aws:msk/configuration:Configuration"
        urn = f"{STACK}{typ}::kafka-configuration"
        inputs = {"name": name, "kafkaVersions": [version]}
        return Resource(
            urn=urn, type=typ, name="kafka-configuration", custom=True, provider="", inputs=inputs, **options
        )

    (step,) = plan.diff([configuration("3.6.0")], [configuration("3.7.1")]).steps
    assert (step.op, step.outcome, step.name_conflict) == ("replace", "stopped", "studio-kafka")
    renamed = plan.diff([configuration("3.6.0")], [configuration("3.7.1", name="studio-kafka-3-7-1")])
    assert [s.outcome for s in renamed.steps] == ["ok"]
    first = plan.diff([configuration("3.6.0")], [configuration("3.7.1", delete_before_replace=True)])
    assert [s.outcome for s in first.steps] == ["ok"]


def test_a_new_instance_type_replaces_a_node_group_which_protection_stops() -> None:
    def group(instance: str, nodes: int = 3, **options: Any) -> Resource:
        typ = "aws:eks/nodeGroup:NodeGroup"
        inputs = {"clusterName": "studio", "instanceTypes": [instance], "scalingConfig": {"desiredSize": nodes}}
        return Resource(
            urn=f"{STACK}{typ}::nodes", type=typ, name="nodes", custom=True, provider="", inputs=inputs, **options
        )

    (scaled,) = plan.diff([group("m7i.2xlarge", protect=True)], [group("m7i.2xlarge", 4, protect=True)]).steps
    assert (scaled.op, scaled.outcome) == ("update", "ok")
    (resized,) = plan.diff([group("m7i.2xlarge", protect=True)], [group("m7i.4xlarge", protect=True)]).steps
    assert (resized.op, resized.outcome) == ("replace", "stopped")
    assert resized.holds_data


def test_a_stack_rename_keeps_identities() -> None:
    renamed = Resource(**{**vars(secret("a")), "urn": secret("a").urn.replace("::dev::", "::dev2::")})
    assert plan.diff([secret("a")], [renamed]).changed() == []


# ---- the program's own runs ----------------------------------------------------------------------


def test_the_program_records_what_the_walk_reads() -> None:
    run = run_stack("dev")
    deployments = [r for r in run.registrations if r.type == "kubernetes:apps/v1:Deployment"]
    assert deployments
    assert all(r.property_dependencies.get("metadata") for r in deployments), "namespace edges missing"
    assert plan.diff(run, run).changed() == []


def test_with_the_flags_off_a_host_change_replaces_the_web_client_configmap() -> None:
    before, after = run_stack("dev"), run_stack("dev", "studio.host=studio2.localhost")
    off = plan.diff(before, after, kubernetes_flags={"enableConfigMapMutable": "false", "enableSecretMutable": "false"})
    assert off.find("ConfigMap", "studio-web-client-configmap").op == "replace"


def test_the_cli_refuses_a_render_pair_that_loses_data(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from tools.output import plan_json
    from tools.plan.__main__ import main

    run = run_stack("dev")
    claim = next(r for r in run.registrations if r.type == "kubernetes:core/v1:PersistentVolumeClaim")
    # Neither protected nor retained, whatever the stack sets: the CLI must see the loss.
    exposed = [
        dataclasses.replace(r, protect=False, retain_on_delete=False) if r is claim else r for r in run.registrations
    ]
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(plan_json(exposed))
    after.write_text(plan_json([r for r in run.registrations if r is not claim]))
    assert main([str(before), str(before)]) == 0
    assert main([str(before), str(after)]) == 1
    assert "loss     delete PersistentVolumeClaim" in capsys.readouterr().out
    assert main([str(before), str(tmp_path / "missing")]) == 2


def test_dropping_protection_lets_the_same_update_replace() -> None:
    # Allowed in one update: the engine checks old and new protection (step_generator.go).
    p = plan.diff([claim(protect=True)], [moved_claim(protect=False)])
    assert p.stopped() == []
    assert [s.object_name for s in p.losses()] == ["data"]
    assert plan.diff([claim(protect=True)], []).find("PersistentVolumeClaim", "data").outcome == "stopped"
