"""NetworkPolicies of the Studio namespace: deny everything, then allow the flows of the architecture.

The flows are data (network_flows.py); this component only turns them into objects: one default
deny for every pod, DNS for every pod, and per group of pods one policy listing who may connect
to it and where it may connect.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.networking import v1 as networking

from .context import Context
from .labels import PART_OF, ComponentName, PodGroup, owner
from .network_flows import (
    ANYWHERE,
    ANYWHERE_CIDRS,
    INGRESS_CONTROLLER,
    KUBE_DNS,
    KUBERNETES_API,
    NAMESPACE_PREFIX,
    OUTSIDE,
    RASA_JOBS,
    Flow,
    flows,
    pod_groups,
)
from .ports import DNS_PORT

NAME_PREFIX = "rasa-studio"
# The policy of an entry point's proxies that run in the Studio namespace (a Gateway there).
ENTRY_POLICY = f"{NAME_PREFIX}-entry-proxies"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# The started Rasa Pro Jobs belong to the consumer that starts them.
RASA_JOBS_COMPONENT: ComponentName = "model-running-consumer"


class NetworkPolicies(pulumi.ComponentResource):
    """Default deny plus exactly the flows of network_flows.flows(config)."""

    default_deny: networking.NetworkPolicy
    dns: networking.NetworkPolicy
    by_group: dict[str, networking.NetworkPolicy]
    entry: networking.NetworkPolicy | None

    def __init__(self, name: str, ctx: Context, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("rasa-studio:network:NetworkPolicies", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.flows = flows(ctx.config)

        self.default_deny = networking.NetworkPolicy(
            f"{name}-default-deny",
            metadata=_namespace_wide_metadata(ctx, f"{NAME_PREFIX}-default-deny"),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
            ),
            opts=child,
        )
        self.dns = networking.NetworkPolicy(
            f"{name}-dns",
            metadata=_namespace_wide_metadata(ctx, f"{NAME_PREFIX}-dns"),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(),
                policy_types=["Egress"],
                egress=[
                    networking.NetworkPolicyEgressRuleArgs(
                        to=_peers(ctx, KUBE_DNS),
                        ports=[_port(DNS_PORT, "UDP"), _port(DNS_PORT, "TCP")],
                    )
                ],
            ),
            opts=child,
        )
        self.by_group = {
            group: networking.NetworkPolicy(
                f"{name}-{group}",
                metadata=ctx.metadata(f"{NAME_PREFIX}-{group}", _component(group)),
                spec=_group_spec(ctx, group, self.flows),
                opts=child,
            )
            for group in pod_groups(self.flows)
        }
        self.entry = None
        if ctx.config.entry_in_namespace:
            # The proxies are not ours (no component label), but the default deny selects them.
            self.entry = networking.NetworkPolicy(
                f"{name}-entry-proxies",
                metadata=_namespace_wide_metadata(ctx, ENTRY_POLICY),
                spec=_group_spec(ctx, INGRESS_CONTROLLER, self.flows),
                opts=child,
            )
        self.register_outputs({"groups": sorted(self.by_group)})


def _namespace_wide_metadata(ctx: Context, name: str) -> meta.ObjectMetaArgs:
    # Policies for every pod of the namespace belong to no single component.
    return meta.ObjectMetaArgs(
        name=name,
        namespace=ctx.namespace,
        labels={
            "app.kubernetes.io/instance": ctx.instance,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": "pulumi",
        },
    )


def _component(group: str) -> ComponentName:
    return RASA_JOBS_COMPONENT if group == RASA_JOBS else owner(group)  # type: ignore[arg-type]


def _group_selector(ctx: Context, group: str) -> meta.LabelSelectorArgs:
    entry = ctx.config.studio.entry
    if group == RASA_JOBS:
        # The consumers label their Jobs' pods as they like; ours all carry part-of.
        expressions = [meta.LabelSelectorRequirementArgs(key="app.kubernetes.io/part-of", operator="DoesNotExist")]
        if ctx.config.entry_in_namespace and entry is not None:
            # An entry point's proxies in this namespace lack part-of too; they have their own policy.
            key, value = sorted(entry.pod_labels.items())[0]
            expressions.append(meta.LabelSelectorRequirementArgs(key=key, operator="NotIn", values=[value]))
        return meta.LabelSelectorArgs(match_expressions=expressions)
    if group == INGRESS_CONTROLLER and entry is not None:
        return meta.LabelSelectorArgs(match_labels=dict(entry.pod_labels))
    # The very labels the group's pods are built with (labels.pod_labels).
    pod_group: PodGroup = group  # type: ignore[assignment]
    return meta.LabelSelectorArgs(match_labels=ctx.pod_selector(pod_group))


def _peers(ctx: Context, peer: str) -> list[networking.NetworkPolicyPeerArgs]:
    k8s = ctx.config.kubernetes
    if peer == INGRESS_CONTROLLER:
        return _entry_peers(ctx)
    if peer == KUBE_DNS:
        # Pods of kube-dns/CoreDNS. A cluster with NodeLocal DNSCache needs its link-local
        # address added here.
        return [
            networking.NetworkPolicyPeerArgs(
                namespace_selector=meta.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: "kube-system"}),
                pod_selector=meta.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
            )
        ]
    if peer.startswith(NAMESPACE_PREFIX):
        namespace = peer[len(NAMESPACE_PREFIX) :]
        return [
            networking.NetworkPolicyPeerArgs(
                namespace_selector=meta.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace})
            )
        ]
    if peer == ANYWHERE:
        return [networking.NetworkPolicyPeerArgs(ip_block=networking.IPBlockArgs(cidr=c)) for c in ANYWHERE_CIDRS]
    if peer in (KUBERNETES_API, OUTSIDE):
        cidrs = k8s.api_server_cidrs if peer == KUBERNETES_API else k8s.egress_cidrs
        return [networking.NetworkPolicyPeerArgs(ip_block=networking.IPBlockArgs(cidr=c)) for c in cidrs]
    return [networking.NetworkPolicyPeerArgs(pod_selector=_group_selector(ctx, peer))]


def _entry_peers(ctx: Context) -> list[networking.NetworkPolicyPeerArgs]:
    """Where Studio's traffic enters: the proxy pods of the exposure's data plane, or addresses."""
    entry = ctx.config.studio.entry
    assert entry is not None  # the config model requires one
    if entry.cidrs:
        return [networking.NetworkPolicyPeerArgs(ip_block=networking.IPBlockArgs(cidr=c)) for c in entry.cidrs]
    return [
        networking.NetworkPolicyPeerArgs(
            namespace_selector=meta.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: str(entry.namespace)}),
            pod_selector=meta.LabelSelectorArgs(match_labels=dict(entry.pod_labels)) if entry.pod_labels else None,
        )
    ]


def _port(port: int, protocol: str) -> networking.NetworkPolicyPortArgs:
    return networking.NetworkPolicyPortArgs(port=port, protocol=protocol)


def _by_peer(pairs: Sequence[tuple[str, Flow]]) -> dict[str, list[Flow]]:
    grouped: dict[str, list[Flow]] = defaultdict(list)
    for peer, flow in pairs:
        grouped[peer].append(flow)
    return dict(sorted(grouped.items()))


def _ports(found: list[Flow]) -> list[networking.NetworkPolicyPortArgs] | None:
    # A flow on any port makes the whole rule any-port.
    if any(f.port is None for f in found):
        return None
    return [_port(p, proto) for p, proto in sorted({(f.port, f.protocol) for f in found if f.port is not None})]


def _group_spec(ctx: Context, group: str, found: Sequence[Flow]) -> networking.NetworkPolicySpecArgs:
    ingress = _by_peer([(f.source, f) for f in found if f.destination == group])
    egress = _by_peer([(f.destination, f) for f in found if f.source == group])
    return networking.NetworkPolicySpecArgs(
        pod_selector=_group_selector(ctx, group),
        policy_types=["Ingress", "Egress"],
        ingress=[
            networking.NetworkPolicyIngressRuleArgs(from_=_peers(ctx, peer), ports=_ports(fs))
            for peer, fs in ingress.items()
        ]
        or None,
        egress=[
            networking.NetworkPolicyEgressRuleArgs(to=_peers(ctx, peer), ports=_ports(fs))
            for peer, fs in egress.items()
        ]
        or None,
    )
