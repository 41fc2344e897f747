"""Routine updates patch in place: no workload, Secret or ConfigMap is deleted and recreated.

Each change is judged by the plan `pulumi up` would make (tools/plan: pulumi-kubernetes' force-new
table with the mutable flags read from the registered provider, named objects deleted before their
replacement, and the engine's dependent replacement over property dependencies). The same plans
with the flags off must find the replacements, so the check can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness import SECRETS, manifests, run_config, run_stack, stack_input
from tools import plan
from tools.mocks import Registration
from tools.program import ProgramRun

KINDS = ("Deployment", "StatefulSet", "Secret", "ConfigMap")
FLAGS_OFF = {"enableConfigMapMutable": False, "enableSecretMutable": False}
WORKLOADS = ("Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet")
OTHER_CERTIFICATE = "arn:aws:acm:eu-central-1:111122223333:certificate/00000000-1111-2222-3333-444444444444"

# The routine changes, two runs per stack: the three that reach the web client's config.js at
# once, and the two secret changes at once. Together is enough: a replacement follows from a
# changed input a force-new rule covers, and each change alone changes a subset of what the
# combined one changes. version: adjacent releases of one architecture; tls: dev turns it on,
# prod (where it must stay on) rotates the ALB certificate.
CONFIG_CHANGES = {
    "dev": (
        "studio.host=studio2.localhost",
        "studio.version=1.7.1",
        "studio.tls.enabled=true",
        "studio.tls.secretName=studio-tls",
    ),
    "prod": (
        "studio.host=studio2.example.com",
        "studio.version=1.7.1",
        f"studio.ingress.alb.certificateArn={OTHER_CERTIFICATE}",
    ),
}
# rasaProLicense rotated, openaiApiKey added (README, "Rotate a secret").
SECRET_CHANGES = {"rasaProLicense": "another-license", "openaiApiKey": "sk-added"}
# The object each kind of change reaches: the plan must update it, so the change is real.
REACHES = {
    "config": [("ConfigMap", "studio-web-client-configmap"), ("Deployment", "studio-web-client")],
    "secrets": [("Secret", "studio-secrets")],
}
CASES = [(stack, change) for stack in ("dev", "prod") for change in REACHES]


def after(stack: str, change: str) -> ProgramRun:
    if change == "secrets":
        given = stack_input(stack)
        return run_config(stack, given.plain, {**SECRETS, **given.secrets, **SECRET_CHANGES})
    return run_stack(stack, *CONFIG_CHANGES[stack])


@pytest.mark.parametrize(("stack", "change"), CASES)
def test_a_routine_change_patches_in_place(stack: str, change: str) -> None:
    p = plan.diff(run_stack(stack), after(stack, change))
    assert [p.find(kind, name).op for kind, name in REACHES[change]] == ["update"] * len(REACHES[change]), p.table()
    if (stack, change) == ("prod", "config"):
        assert p.find("Ingress", "studio").op == "update", p.table()
    assert not p.replaced(*KINDS), p.table()
    assert not p.stopped(), p.table()


@pytest.mark.parametrize(("stack", "change"), CASES)
def test_with_the_flags_off_the_same_change_replaces(stack: str, change: str) -> None:
    p = plan.diff(run_stack(stack), after(stack, change), kubernetes_flags=FLAGS_OFF)
    kind, name = REACHES[change][0]
    assert [s.object_name for s in p.replaced(kind)] == [name], p.table()


def _kind(r: Registration) -> str:
    return r.type.rsplit(":", 1)[-1] if r.type.startswith("kubernetes:") else ""


# As other tests spell it, so the run is shared.
EMBEDDED = ("studio.version=1.17.0-latest", "modelService.architecture=embedded")
RUNS = {"dev": (), "prod": (), "embedded": EMBEDDED}


def _run(which: str) -> ProgramRun:
    return run_stack("prod" if which == "prod" else "dev", *RUNS[which])


@pytest.mark.parametrize("which", sorted(RUNS))
def test_no_object_takes_a_value_from_a_secret_or_configmap(which: str) -> None:
    """What makes the flags a second line: even a replaced Secret cannot take a workload with it."""
    run = _run(which)
    kinds = {r.urn: _kind(r) for r in run.registrations}
    found = [
        f"{r.name}.{prop} <- {urn.rsplit('::', 1)[-1]}"
        for r in run.registrations
        if r.type.startswith("kubernetes:")
        for prop, urns in r.property_dependencies.items()
        for urn in urns
        if kinds.get(urn) in ("Secret", "ConfigMap")
    ]
    assert not found


def _named(pod: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, name) of every Secret and ConfigMap a pod spec names, pull Secrets aside."""
    for c in [*pod.get("initContainers", []), *pod["containers"]]:
        for e in c.get("env", []):
            source = e.get("valueFrom") or {}
            if "secretKeyRef" in source:
                yield "Secret", source["secretKeyRef"]["name"]
            if "configMapKeyRef" in source:
                yield "ConfigMap", source["configMapKeyRef"]["name"]
        for e in c.get("envFrom", []):
            if "secretRef" in e:
                yield "Secret", e["secretRef"]["name"]
            if "configMapRef" in e:
                yield "ConfigMap", e["configMapRef"]["name"]
    for v in pod.get("volumes", []):
        if "secret" in v:
            yield "Secret", v["secret"]["secretName"]
        if "configMap" in v:
            yield "ConfigMap", v["configMap"]["name"]


@pytest.mark.parametrize("which", sorted(RUNS))
def test_every_workload_depends_on_the_secrets_and_configmaps_it_names(which: str) -> None:
    """Plain names still order the create: the object exists before a pod looks for it."""
    run = _run(which)
    created = {
        (_kind(r), r.inputs["metadata"]["name"]): r.urn
        for r in run.registrations
        if _kind(r) in ("Secret", "ConfigMap")
    }
    by_name = {(_kind(r), r.inputs["metadata"]["name"]): r for r in run.registrations if _kind(r) in WORKLOADS}
    missing = []
    for m in manifests(run):
        if m["kind"] not in WORKLOADS:
            continue
        spec = m["spec"]
        pod = (spec["jobTemplate"]["spec"] if m["kind"] == "CronJob" else spec)["template"]["spec"]
        workload = by_name[(m["kind"], m["metadata"]["name"])]
        for ref in sorted(set(_named(pod))):
            if ref in created and created[ref] not in workload.depends_on:
                missing.append(f"{m['kind']} {m['metadata']['name']} -> {ref[0]} {ref[1]}")
    assert not missing
