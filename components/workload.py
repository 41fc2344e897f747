"""One builder for hardened pods, so no component repeats the security settings.

Every container runs as a non-root user with no privilege escalation, all capabilities dropped,
the RuntimeDefault seccomp profile (what Pod Security `restricted` requires), a read-only root
filesystem unless the caller says why not, resource requests and limits, and HTTP probes where
the service has an endpoint. Images this program controls run as a fixed numeric user; Rasa's
closed images run as their own user (`user=None`) as Rasa's chart runs them, unless the operator
opts in to a fixed one (config/security.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config.base import Resources
from config.sizing import merge_resources

from .labels import PART_OF

PART_OF_LABEL = "app.kubernetes.io/part-of"


# Where a pod says why a container keeps a writable root filesystem; the policy pack reads it.
WRITABLE_ROOT_ANNOTATION = "rasa-studio/writable-root-filesystem"


def writable_root(reasons: Mapping[str, str]) -> dict[str, str]:
    """Pod annotation naming each container with a writable root filesystem and why."""
    return {WRITABLE_ROOT_ANNOTATION: "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items()))}


def checkov_skips(reasons: Mapping[str, str]) -> dict[str, str]:
    """Annotations telling checkov which of its checks do not apply to this one object, and why.

    Kept on the object rather than in the global skip list, so the check still guards every
    other workload.
    """
    return {f"checkov.io/skip{i}": f"{check}={why}" for i, (check, why) in enumerate(sorted(reasons.items()), 1)}


# checkov's probe checks, for workloads whose image serves no endpoint to probe.
NO_ENDPOINT = "the image serves no HTTP or TCP endpoint to probe"


def no_probe_skips() -> dict[str, str]:
    return {"CKV_K8S_8": NO_ENDPOINT, "CKV_K8S_9": NO_ENDPOINT}


@dataclass(frozen=True)
class HttpProbe:
    path: str
    port: int
    initial_delay_seconds: int = 15
    period_seconds: int = 15
    timeout_seconds: int = 5
    failure_threshold: int = 6

    def args(self) -> core.ProbeArgs:
        return core.ProbeArgs(
            http_get=core.HTTPGetActionArgs(path=self.path, port=self.port),
            initial_delay_seconds=self.initial_delay_seconds,
            period_seconds=self.period_seconds,
            timeout_seconds=self.timeout_seconds,
            failure_threshold=self.failure_threshold,
        )


@dataclass(frozen=True)
class User:
    """Numeric ids: with runAsNonRoot the kubelet can only verify a numeric user."""

    uid: int
    # None keeps the image's group.
    gid: int | None


def opt_in_user(run_as_user: int | None, run_as_group: int | None) -> User | None:
    """The user an operator chose for one of Rasa's images; None runs the image's own user."""
    return None if run_as_user is None else User(run_as_user, run_as_group)


# Why a container of Rasa's images keeps a writable root filesystem by default.
RASA_WRITABLE_ROOT = (
    "Rasa's image, run with a writable root filesystem as Rasa's chart runs it; read-only is opt-in "
    "(securityContext.readOnlyRootFilesystem)"
)


def rasa_image_skips(read_only: bool) -> dict[str, str]:
    """checkov skips of a workload running one of Rasa's images as the chart does."""
    return {} if read_only else {"CKV_K8S_22": RASA_WRITABLE_ROOT}


def resources(defaults: Resources, override: Resources | None = None) -> core.ResourceRequirementsArgs:
    """Requests and limits: the component's defaults, with the user's values on top.

    The merge is config.sizing.merge_resources, the one the `capacity` output counts with.
    """
    chosen = merge_resources(defaults, override)
    return core.ResourceRequirementsArgs(
        requests=chosen.requests.model_dump(exclude_none=True), limits=chosen.limits.model_dump(exclude_none=True)
    )


def env_value(name: str, value: pulumi.Input[str]) -> core.EnvVarArgs:
    return core.EnvVarArgs(name=name, value=value)


def env_secret(name: str, secret: pulumi.Input[str], key: str, optional: bool | None = None) -> core.EnvVarArgs:
    return core.EnvVarArgs(
        name=name,
        value_from=core.EnvVarSourceArgs(
            secret_key_ref=core.SecretKeySelectorArgs(name=secret, key=key, optional=optional)
        ),
    )


def container(
    name: str,
    image: str,
    *,
    user: User | None,
    resources: core.ResourceRequirementsArgs,
    ports: Mapping[str, int] | None = None,
    env: Sequence[core.EnvVarArgs] = (),
    env_from: Sequence[core.EnvFromSourceArgs] = (),
    liveness: HttpProbe | None = None,
    readiness: HttpProbe | None = None,
    startup: HttpProbe | None = None,
    volume_mounts: Sequence[core.VolumeMountArgs] = (),
    command: Sequence[str] | None = None,
    args: Sequence[pulumi.Input[str]] | None = None,
    read_only_root_filesystem: bool = True,
) -> core.ContainerArgs:
    return core.ContainerArgs(
        name=name,
        image=image,
        image_pull_policy="IfNotPresent",
        command=list(command) if command is not None else None,
        args=list(args) if args is not None else None,
        ports=[
            core.ContainerPortArgs(name=port_name, container_port=port, protocol="TCP")
            for port_name, port in (ports or {}).items()
        ]
        or None,
        env=list(env) or None,
        env_from=list(env_from) or None,
        liveness_probe=liveness.args() if liveness else None,
        readiness_probe=readiness.args() if readiness else None,
        startup_probe=startup.args() if startup else None,
        resources=resources,
        volume_mounts=list(volume_mounts) or None,
        security_context=core.SecurityContextArgs(
            allow_privilege_escalation=False,
            privileged=False,
            read_only_root_filesystem=read_only_root_filesystem,
            run_as_non_root=True,
            run_as_user=user.uid if user else None,
            run_as_group=user.gid if user else None,
            capabilities=core.CapabilitiesArgs(drop=["ALL"]),
            seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
        ),
    )


def pod_spec(
    containers: Sequence[core.ContainerArgs],
    *,
    user: User | None,
    init_containers: Sequence[core.ContainerArgs] = (),
    volumes: Sequence[core.VolumeArgs] = (),
    service_account_name: pulumi.Input[str] | None = None,
    automount_service_account_token: bool = False,
    image_pull_secrets: Sequence[str] = (),
    restart_policy: str | None = None,
    fs_group: int | None = None,
    termination_grace_period_seconds: int | None = None,
    topology_spread_constraints: Sequence[core.TopologySpreadConstraintArgs] = (),
) -> core.PodSpecArgs:
    # Tokens are mounted only where a pod talks to the Kubernetes API (automount=True).
    return core.PodSpecArgs(
        containers=list(containers),
        init_containers=list(init_containers) or None,
        volumes=list(volumes) or None,
        service_account_name=service_account_name,
        automount_service_account_token=automount_service_account_token,
        image_pull_secrets=[core.LocalObjectReferenceArgs(name=n) for n in image_pull_secrets] or None,
        restart_policy=restart_policy,
        termination_grace_period_seconds=termination_grace_period_seconds,
        topology_spread_constraints=list(topology_spread_constraints) or None,
        security_context=core.PodSecurityContextArgs(
            run_as_non_root=True,
            run_as_user=user.uid if user else None,
            run_as_group=user.gid if user else None,
            fs_group=fs_group,
            seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
        ),
    )


def pod_template(
    labels: Mapping[str, str],
    spec: core.PodSpecArgs,
    annotations: Mapping[str, pulumi.Input[str]] | None = None,
) -> core.PodTemplateSpecArgs:
    # Pods always carry part-of: the NetworkPolicies tell the program's pods from the Rasa Pro
    # Jobs the consumers start by it, whatever labels the caller passes.
    return core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(
            labels={PART_OF_LABEL: PART_OF, **labels},
            annotations=dict(annotations) if annotations else None,
        ),
        spec=spec,
    )


def empty_dir(name: str, size_limit: str = "256Mi") -> core.VolumeArgs:
    return core.VolumeArgs(name=name, empty_dir=core.EmptyDirVolumeSourceArgs(size_limit=size_limit))


def mount(name: str, path: str, *, read_only: bool = False, sub_path: str | None = None) -> core.VolumeMountArgs:
    return core.VolumeMountArgs(name=name, mount_path=path, read_only=read_only or None, sub_path=sub_path)


def topology_spread(selector: Mapping[str, str], enabled: bool) -> list[core.TopologySpreadConstraintArgs]:
    """Spread replicas over zones and nodes; soft (ScheduleAnyway) so a lost zone never blocks scheduling."""
    if not enabled:
        return []
    return [
        core.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key=key,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=dict(selector)),
        )
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]
