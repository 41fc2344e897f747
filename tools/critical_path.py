"""The longest chain of waits a `pulumi up` can sit through, from a run's registrations.

The engine starts a resource once everything it depends on is done, so the worst case of an update
is the heaviest dependency chain, each resource weighted by how long Pulumi waits for it before
giving up: its customTimeouts, else the provider's default. A CI job that ends before that chain
does is killed mid-operation, leaving pending operations in the state (and, on a self-managed
backend, the stack locked), instead of letting Pulumi report which wait ran out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from tools.mocks import Registration
from tools.program import ProgramRun

Operation = Literal["create", "update"]

# pulumi-kubernetes awaits these kinds for 10 minutes unless customTimeouts or the
# `pulumi.com/timeoutSeconds` annotation say otherwise (provider/pkg/await/await.go Creation,
# metadata.TimeoutDuration); other kinds are done once the API server accepts them.
KUBERNETES_AWAITED = {"Deployment": 10, "StatefulSet": 10, "DaemonSet": 10, "Job": 10, "Ingress": 10}
# The claim awaiter watches for a fixed 5 minutes whatever the timeout (provider/pkg/await/
# awaiters.go untilCoreV1PersistentVolumeClaimReady).
KUBERNETES_FIXED = {"PersistentVolumeClaim": 5}
# terraform-provider-aws resource timeouts (create, update), used when a resource sets none:
# internal/service/rds/instance.go and internal/service/kafka/cluster.go.
AWS_DEFAULTS: dict[str, tuple[int, int]] = {
    "aws:rds/instance:Instance": (40, 80),
    "aws:msk/cluster:Cluster": (120, 120),
    # cluster.mode: eks (internal/service/eks/cluster.go, node_group.go, addon.go).
    "aws:eks/cluster:Cluster": (30, 60),
    "aws:eks/nodeGroup:NodeGroup": (60, 60),
    "aws:eks/addon:Addon": (20, 20),
}


def minutes(duration: str) -> int:
    """Go duration text as customTimeouts take it ("1h30m", "45m", "90s"), rounded up to minutes."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    if not duration or parts is None:
        raise ValueError(f"not a duration: {duration!r}")
    hours, mins, secs = (int(p or 0) for p in parts.groups())
    return hours * 60 + mins + (secs + 59) // 60


def wait_minutes(r: Registration, op: Operation) -> int:
    """How long Pulumi waits for `r` to be created or updated before it reports a failure."""
    given = r.custom_timeouts.get(op)
    if r.type.startswith("kubernetes:"):
        kind = r.type.rsplit(":", 1)[-1]
        if kind in KUBERNETES_FIXED:
            return KUBERNETES_FIXED[kind]
        annotations = (r.inputs.get("metadata") or {}).get("annotations") or {}
        if annotations.get("pulumi.com/skipAwait") == "true":
            return 0
        if kind == "Service" and (r.inputs.get("spec") or {}).get("type") == "LoadBalancer":
            kind = "Ingress"  # waits for its load balancer like an Ingress does
        if kind not in KUBERNETES_AWAITED:
            return 0
        if given:
            return minutes(given)
        seconds = annotations.get("pulumi.com/timeoutSeconds")
        return (int(seconds) + 59) // 60 if seconds else KUBERNETES_AWAITED[kind]
    if given:
        return minutes(given)
    create, update = AWS_DEFAULTS.get(r.type, (0, 0))
    return create if op == "create" else update


@dataclass(frozen=True)
class Path:
    minutes: int
    # Logical names, first to last.
    chain: tuple[str, ...]


def critical_path(run: ProgramRun, op: Operation) -> Path:
    """The heaviest dependency chain when every resource on it is created (or updated)."""
    by_urn = {r.urn: r for r in run.registrations}

    @cache
    def heaviest(urn: str) -> Path:
        r = by_urn[urn]
        before = [heaviest(d) for d in r.depends_on if d in by_urn]
        worst = max(before, key=lambda p: p.minutes, default=Path(0, ()))
        return Path(worst.minutes + wait_minutes(r, op), (*worst.chain, r.name))

    return max((heaviest(u) for u in sorted(by_urn)), key=lambda p: p.minutes)
