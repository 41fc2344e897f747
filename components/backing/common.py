"""Small helpers the backing-service implementations share: probes, Job identity, AWS names."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_random as random
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from ..context import Context
from ..labels import ComponentName
from ..names import DATA_TEMPLATE, stateful_set_claim
from ..secrets import generated_password

# Jobs that a failed earlier attempt left behind are replaced instead of awaited forever.
REPLACE_UNREADY = {"pulumi.com/replaceUnready": "true"}


def spec_hash(spec: Any, length: int = 8) -> str:
    """A short, stable digest of a JSON-able spec: part of a Job's name so a new spec re-runs it."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:length]


def exec_probe(
    command: Sequence[str], *, initial_delay: int = 10, period: int = 10, failures: int = 6
) -> core.ProbeArgs:
    return core.ProbeArgs(
        exec_=core.ExecActionArgs(command=list(command)),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


def tcp_probe(port: int, *, initial_delay: int = 15, period: int = 10, failures: int = 6) -> core.ProbeArgs:
    return core.ProbeArgs(
        tcp_socket=core.TCPSocketActionArgs(port=port),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


def with_probes(
    c: core.ContainerArgs, *, liveness: core.ProbeArgs | None = None, readiness: core.ProbeArgs | None = None
) -> core.ContainerArgs:
    """The workload builder knows HTTP probes; databases and brokers answer exec/TCP probes."""
    if liveness is not None:
        c.liveness_probe = liveness
    if readiness is not None:
        c.readiness_probe = readiness
    return c


def aws_name(ctx: Context, suffix: str, max_length: int = 63) -> str:
    """A stable AWS resource name from the stack and namespace, never from versions or replicas.

    Letters, digits and '-', starting with a letter: what RDS identifiers, MSK cluster names and
    bucket prefixes all accept.
    """
    base = re.sub(r"[^a-z0-9-]+", "-", f"rasa-studio-{ctx.instance}-{suffix}".lower())
    base = re.sub(r"-{2,}", "-", base).strip("-")
    return base[:max_length].rstrip("-")


def stateful(ctx: Context, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    """Options for data that must outlive a mistaken `pulumi destroy` in protected stacks."""
    return pulumi.ResourceOptions(parent=parent, protect=ctx.protect, **extra)


# The StatefulSet's volumeClaimTemplates are immutable (a change replaces the StatefulSet, and its
# Retain policy re-adopts the old claims at their old size: a silent no-op), so Pulumi leaves them
# as created and `grow_claims` resizes the claims themselves.
KEEP_CLAIM_TEMPLATES = ["spec.volumeClaimTemplates"]


def pvc_template(ctx: Context, component: ComponentName, size: str) -> core.PersistentVolumeClaimArgs:
    # The claims outlive the StatefulSet (retention policy Retain): the data is the point.
    return core.PersistentVolumeClaimArgs(
        metadata=meta.ObjectMetaArgs(name=DATA_TEMPLATE, labels=ctx.labels(component)),
        spec=core.PersistentVolumeClaimSpecArgs(
            access_modes=["ReadWriteOnce"],
            storage_class_name=ctx.config.kubernetes.storage_classes.read_write_once,
            resources=core.VolumeResourceRequirementsArgs(requests={"storage": size}),
        ),
    )


def data_stateful_set(
    name: str,
    ctx: Context,
    component: ComponentName,
    object_name: str,
    template: core.PodTemplateSpecArgs,
    storage_size: str,
    *,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
    replicas: int = 1,
    service_name: str | None = None,
    pod_management_policy: str | None = None,
) -> apps.StatefulSet:
    """A StatefulSet whose pods keep their data in a claim each (`data-<name>-<ordinal>`): the
    claims outlive it (retention Retain), its claim templates stay as created (KEEP_CLAIM_TEMPLATES,
    grow_claims resizes), and in protected stacks it is protected and left in place on delete.
    `depends_on`: what the pods read by plain name (interfaces.SecretRef says why)."""
    return apps.StatefulSet(
        name,
        metadata=ctx.metadata(object_name, component),
        spec=apps.StatefulSetSpecArgs(
            service_name=service_name or object_name,
            replicas=replicas,
            pod_management_policy=pod_management_policy,
            selector=meta.LabelSelectorArgs(match_labels=ctx.selector(component)),
            template=template,
            volume_claim_templates=[pvc_template(ctx, component, storage_size)],
            persistent_volume_claim_retention_policy=apps.StatefulSetPersistentVolumeClaimRetentionPolicyArgs(
                when_deleted="Retain", when_scaled="Retain"
            ),
        ),
        opts=pulumi.ResourceOptions(
            parent=parent,
            protect=ctx.protect,
            retain_on_delete=ctx.protect,
            ignore_changes=KEEP_CLAIM_TEMPLATES,
            depends_on=list(depends_on),
        ),
    )


def grow_claims(
    name: str,
    ctx: Context,
    stateful_set: apps.StatefulSet,
    stateful_set_name: str,
    replicas: int,
    size: str,
    parent: pulumi.Resource,
) -> list[core.PersistentVolumeClaimPatch]:
    """One server-side-apply patch per claim the StatefulSet made, holding its storage request.

    The same size as the template on a first deployment; a larger `storageSize` later grows each
    claim in place (the storage class must allow volume expansion; a smaller one is refused before
    anything runs, components/day2.py). Forced: the StatefulSet controller that created the claim
    owns the field too. Retained: once forced, the patch alone owns the request, a required field,
    and pulumi-kubernetes refuses to delete a patch that would drop one; the claim keeps its size.
    """
    return [
        core.PersistentVolumeClaimPatch(
            f"{name}-{claim}",
            metadata=meta.ObjectMetaPatchArgs(
                name=claim, namespace=ctx.namespace, annotations={"pulumi.com/patchForce": "true"}
            ),
            spec=core.PersistentVolumeClaimSpecPatchArgs(
                resources=core.VolumeResourceRequirementsPatchArgs(requests={"storage": size})
            ),
            # The controller makes the claims as it starts the pods, which the StatefulSet awaits.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[stateful_set], retain_on_delete=True),
        )
        for claim in (stateful_set_claim(stateful_set_name, ordinal) for ordinal in range(replicas))
    ]


def admin_credentials(
    name: str,
    ctx: Context,
    component: ComponentName,
    secret_name: str,
    username: str,
    parent: pulumi.Resource,
    password_name: str = "admin-password",
    rotation: int | None = None,
) -> tuple[random.RandomPassword, core.Secret]:
    """A generated admin password and the Secret (`username`, `password`) that holds it.

    `rotation`: its `passwordRotation` counter, where the service takes a new admin password in
    the same update (components/secrets.py). None: the server keeps the password it was
    initialised with and a new one would lock the program's Jobs out, so it is protected with
    the data.
    """
    if rotation is None:
        generated = random.RandomPassword(
            f"{name}-{password_name}",
            length=32,
            special=False,
            opts=pulumi.ResourceOptions(parent=parent, protect=ctx.protect),
        )
    else:
        generated = generated_password(f"{name}-{password_name}", rotation, parent)
    password: pulumi.Output[str] = pulumi.Output.secret(generated.result)
    secret = core.Secret(
        f"{name}-admin",
        metadata=ctx.metadata(secret_name, component),
        type="Opaque",
        string_data={"username": username, "password": password},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return generated, secret
