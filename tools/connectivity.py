"""The connectivity map each render writes (`build/<stack>/connectivity.md`): who reaches whom, on which port.

It is the flow model (components/network_flows.py) in a form to read and review: the
NetworkPolicies allow exactly these connections on top of a default deny, and `.ci/netpol` has
network-config-analyzer confirm that on the rendered manifests.
"""

from __future__ import annotations

import re
from collections import defaultdict

from components.network_flows import (
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
)
from components.ports import DNS_PORT
from config import StackConfig

EVERY_POD = "every pod"


def _entry_text(config: StackConfig) -> str:
    entry = config.studio.entry
    assert entry is not None  # the config model requires one
    if entry.cidrs:
        return f"{', '.join(f'`{c}`' for c in entry.cidrs)} (studio.entryPeer.cidrs)"
    labels = ", ".join(f"`{k}: {v}`" for k, v in sorted(entry.pod_labels.items()))
    return (
        f"pods in the namespace `{entry.namespace}`" + (f" labelled {labels}" if labels else "") + " (studio.entryPeer)"
    )


def _peer_lines(config: StackConfig, found: list[Flow]) -> list[str]:
    k8s = config.kubernetes
    named = {f.source for f in found} | {f.destination for f in found}
    described = {
        INGRESS_CONTROLLER: _entry_text(config),
        KUBE_DNS: "pods labelled `k8s-app: kube-dns` in `kube-system`",
        RASA_JOBS: f"pods in `{k8s.namespace}` without the label `app.kubernetes.io/part-of`: the Rasa Pro Jobs the consumers start",
        OUTSIDE: f"{', '.join(f'`{c}`' for c in k8s.egress_cidrs)} (kubernetes.egressCidrs)",
        KUBERNETES_API: f"{', '.join(f'`{c}`' for c in k8s.api_server_cidrs)} (kubernetes.apiServerCidrs)",
        ANYWHERE: f"{', '.join(f'`{c}`' for c in ANYWHERE_CIDRS)}: the clients of the entry proxies in this namespace",
    }
    gateway = config.studio.gateway
    control_plane = gateway.control_plane_namespace if gateway is not None else None
    lines = [f"- **{peer}**: {text}" for peer, text in described.items() if peer in named or peer == KUBE_DNS]
    lines += [
        f"- **{peer}**: every pod of the namespace `{peer[len(NAMESPACE_PREFIX) :]}` "
        + (
            "(studio.gateway.controlPlaneNamespace)"
            if peer[len(NAMESPACE_PREFIX) :] == control_plane
            else "(kafka.clientNamespaces)"
        )
        for peer in sorted(named)
        if peer.startswith(NAMESPACE_PREFIX)
    ]
    return lines


def _ports(found: list[Flow]) -> str:
    return ", ".join(
        "any" if f.port is None else f"{f.port}/{f.protocol}"
        for f in sorted(found, key=lambda f: (f.port or 0, f.protocol))
    )


def _node(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def connectivity_map(stack: str, config: StackConfig) -> str:
    found = flows(config)
    pairs: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    for f in found:
        pairs[(f.source, f.destination)].append(f)
    lines = [
        f"# Connectivity of stack `{stack}`",
        "",
        f"Who reaches whom in the namespace `{config.kubernetes.namespace}`, on which port "
        f"(`modelService.architecture: {config.model_service.architecture}`, kafka `{config.kafka.mode}`, "
        f"database `{config.database.mode}`, object storage `{config.object_storage.mode}`).",
        "Written by `python -m tools.render` from the flow model; the NetworkPolicies allow exactly this on top",
        "of a default deny, and `.ci/netpol` has network-config-analyzer confirm it on the rendered manifests.",
        "",
        "Peers that are not Studio pods:",
        "",
        *_peer_lines(config, found),
        "",
        "| From | To | Port |",
        "| --- | --- | --- |",
        f"| {EVERY_POD} | {KUBE_DNS} | {DNS_PORT}/UDP, {DNS_PORT}/TCP |",
        *(f"| {src} | {dst} | {_ports(fs)} |" for (src, dst), fs in sorted(pairs.items())),
        "",
        "```mermaid",
        "flowchart LR",
        *(
            f'  {_node(src)}["{src}"] -->|{_ports(fs)}| {_node(dst)}["{dst}"]'
            for (src, dst), fs in sorted(pairs.items())
        ),
        "```",
        "",
    ]
    return "\n".join(lines)
