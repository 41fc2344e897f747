"""The verdict on one case: the flows of the model against what the analyzer found allowed.

Blocked (a flow of the model not allowed at its port), unexpected (a connection touching a
Studio pod that no flow names), forbidden probes, policies that select no pod, workloads with no
allow policy and workloads of no pod group.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.network_flows import (
    DNS_PORT,
    INGRESS_CONTROLLER,
    KUBE_DNS,
    NAMESPACE_PREFIX,
    RASA_JOBS,
    Flow,
    database_endpoint,
    flows,
)
from config import StackConfig

from .analyzer import ALL, Conn, allows, empty_policies, is_address, parse_connectivity, ranges, within
from .groups import workloads
from .outside import ENTRY_NEIGHBOUR, FOREIGN, IMPOSTOR, Peer, peers


# The analyzer prints the address ranges it admits merged and split at will: an address peer is
# judged on the whole of its CIDRs.
def _inside(low: ipaddress.IPv4Address, high: ipaddress.IPv4Address, cidrs: Sequence[str]) -> bool:
    """Whether the union of the CIDRs holds the whole range (the analyzer merges adjacent ones)."""
    at = int(low)
    for net in sorted(ipaddress.IPv4Network(c) for c in cidrs if ":" not in c):
        if int(net.network_address) <= at <= int(net.broadcast_address):
            at = int(net.broadcast_address) + 1
        if at > int(high):
            return True
    return at > int(high)


def _covers(segments: list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]], cidr: str) -> bool:
    net = ipaddress.IPv4Network(cidr)
    at = int(net.network_address)
    for low, high in sorted(segments):
        if int(low) <= at <= int(high):
            at = int(high) + 1
        if at > int(net.broadcast_address):
            return True
    return at > int(net.broadcast_address)


@dataclass(frozen=True)
class Expected:
    source: str  # analyzer endpoint
    destination: str  # analyzer endpoint, or a flow-model peer of address ranges
    protocol: str
    port: int | None
    flow: str  # the model's words, for messages


@dataclass
class Verdict:
    case: str
    allowed: list[Expected] = field(default_factory=list)
    blocked: list[Expected] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    forbidden_denied: list[str] = field(default_factory=list)
    forbidden_allowed: list[str] = field(default_factory=list)
    empty_policies: list[str] = field(default_factory=list)
    unselected: list[str] = field(default_factory=list)
    unknown_workloads: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.blocked
            or self.unexpected
            or self.forbidden_allowed
            or self.empty_policies
            or self.unselected
            or self.unknown_workloads
        )

    def architecture_counts(self) -> tuple[int, int]:
        """(allowed, blocked) flows of the model, each flow counted once however many endpoints."""
        allowed = {e.flow for e in self.allowed} - {e.flow for e in self.blocked}
        return len(allowed), len({e.flow for e in self.blocked})

    def report(self) -> str:
        allowed, blocked = self.architecture_counts()
        lines = [
            f"{self.case}: architecture flows allowed {allowed}, blocked {blocked}; "
            f"forbidden probes denied {len(self.forbidden_denied)}, allowed {len(self.forbidden_allowed)}; "
            f"unexpected {len(self.unexpected)}; policies with a selector matching no pod {len(self.empty_policies)}; "
            f"pods without allow policy {len(self.unselected)}"
        ]
        lines += [f"  BLOCKED {e.flow} ({e.source} -> {e.destination} {e.protocol}/{e.port})" for e in self.blocked]
        lines += [f"  FORBIDDEN ALLOWED {x}" for x in self.forbidden_allowed]
        lines += [f"  UNEXPECTED {x}" for x in self.unexpected]
        lines += [f"  SELECTS NO POD {x}" for x in self.empty_policies]
        lines += [f"  NO ALLOW POLICY {x}" for x in self.unselected]
        lines += [f"  UNKNOWN WORKLOAD {x} (add it to tools/flows/groups.py WORKLOADS)" for x in self.unknown_workloads]
        return "\n".join(lines)


def _endpoints(group: str, groups: Mapping[str, str], known: Mapping[str, Peer]) -> list[str]:
    if group in known:
        return [known[group].endpoint]
    return sorted(e for e, g in groups.items() if g == group)


def expectations(config: StackConfig, instance: str, groups: Mapping[str, str]) -> list[Expected]:
    """Every endpoint-level connection the model asks for, DNS for every pod in the namespace included."""
    known = peers(config, instance)
    found: list[Expected] = []
    for f in flows(config):
        for src in _endpoints(f.source, groups, known):
            for dst in _endpoints(f.destination, groups, known):
                # A pod to itself is never filtered, and the analyzer shows no such line.
                if src != dst:
                    found.append(Expected(src, dst, f.protocol, f.port, _flow_text(f)))
    ours = [*groups, *_endpoints(RASA_JOBS, groups, known)] if RASA_JOBS in known else list(groups)
    if config.entry_in_namespace:
        # The default-deny namespace's DNS policy covers the entry proxies living there too.
        ours += _endpoints(INGRESS_CONTROLLER, groups, known)
    dns = _endpoints(KUBE_DNS, groups, known)
    for src in ours:
        for protocol in ("UDP", "TCP"):
            found += [Expected(src, d, protocol, DNS_PORT, f"* -> {KUBE_DNS}:{DNS_PORT}/{protocol}") for d in dns]
    return found


def _flow_text(f: Flow) -> str:
    return f"{f.source} -> {f.destination}:{'any' if f.port is None else f.port}"


def forbidden(config: StackConfig, instance: str) -> list[tuple[str, str, int | None]]:
    """(source peer, destination group, port or None for any) that must never be allowed."""
    known = peers(config, instance)
    database, db_port = database_endpoint(config)
    sensitive = [
        "postgresql",
        "kafka",
        "keycloak",
        "object-storage",
        "database-init",
        "kafka-topics",
        "minio-bucket",
        # The assistant's own: its pods (reached through the entry point only), its action server
        # and its lock store.
        "assistant",
        "action-server",
        "lock-store",
    ]
    found: list[tuple[str, str, int | None]] = [(s, d, None) for s in (FOREIGN, IMPOSTOR) for d in sensitive]
    # Assistant namespaces publish to the in-cluster brokers (on their client port only, which
    # the unexpected-connection check holds them to) and reach nothing else.
    clients = [p for p in known if p.startswith(NAMESPACE_PREFIX)]
    found += [(s, d, None) for s in clients for d in sensitive if d != "kafka"]
    found += [(s, database, db_port) for s in ("web-client", RASA_JOBS) if s == "web-client" or s in known]
    # Only the entry point's own proxy pods reach Studio's front doors, not their neighbours.
    if ENTRY_NEIGHBOUR in known:
        found += [(ENTRY_NEIGHBOUR, d, None) for d in ("web-client", "backend", "keycloak", "assistant")]
    return found


def judge(
    case: str,
    config: StackConfig,
    instance: str,
    manifests: Sequence[Mapping[str, Any]],
    connectivity: str,
    warnings: str,
) -> Verdict:
    """The verdict on one rendered case, from the analyzer's connectivity map and its warnings."""
    verdict = Verdict(case)
    groups = workloads(manifests)
    verdict.unknown_workloads = sorted(e for e, g in groups.items() if not g)
    known = peers(config, instance)
    namespace = config.kubernetes.namespace
    lines = [
        ln
        for ln in parse_connectivity(connectivity)
        if ln.source.startswith(f"{namespace}/") or ln.destination.startswith(f"{namespace}/")
    ]
    by_pair = {(ln.source, ln.destination): ln.conns for ln in lines}
    expected = expectations(config, instance, groups)

    def ranges_admitted(e: Expected, ranged: str, pod: str, inbound: bool) -> bool:
        # Traffic with address ranges (an ALB's subnets): the whole of them must be admitted.
        segments = [
            r
            for ln in lines
            for pod_end, address_end in [(ln.destination, ln.source) if inbound else (ln.source, ln.destination)]
            if pod_end == pod and is_address(address_end) and allows(ln.conns, e.protocol, e.port)
            for r in ranges(address_end)
        ]
        return all(_covers(segments, c) for c in known[ranged].cidrs if ":" not in c)

    for e in expected:
        if e.source in known and known[e.source].cidrs:
            ok = ranges_admitted(e, e.source, e.destination, inbound=True)
        elif e.destination in known and known[e.destination].cidrs:
            ok = ranges_admitted(e, e.destination, e.source, inbound=False)
        else:
            ok = allows(by_pair.get((e.source, e.destination), ()), e.protocol, e.port)
        (verdict.allowed if ok else verdict.blocked).append(e)

    wanted: dict[tuple[str, str], set[tuple[str, int | None]]] = {}
    for e in expected:
        wanted.setdefault((e.source, e.destination), set()).add((e.protocol, e.port))
    address_peers = [p for p in known.values() if p.cidrs]
    for ln in lines:
        if is_address(ln.destination) or is_address(ln.source):
            pod, addresses = (ln.source, ln.destination) if is_address(ln.destination) else (ln.destination, ln.source)
            want: set[tuple[str, int | None]] = set()
            for peer in address_peers:
                key = (pod, peer.name) if is_address(ln.destination) else (peer.name, pod)
                if all(_inside(lo, hi, peer.cidrs) for lo, hi in ranges(addresses)):
                    want |= wanted.get(key, set())
            if not within(ln.conns, want):
                verdict.unexpected.append(f"{ln.source} -> {ln.destination}: {_show(ln.conns)}")
        elif not within(ln.conns, wanted.get((ln.source, ln.destination), set())):
            verdict.unexpected.append(f"{ln.source} -> {ln.destination}: {_show(ln.conns)}")

    for source, destination, port in forbidden(config, instance):
        for src in _endpoints(source, groups, known):
            for dst in _endpoints(destination, groups, known):
                if dst in known and known[dst].cidrs:
                    reached = any(
                        ln.source == src and is_address(ln.destination) and allows(ln.conns, "TCP", port)
                        for ln in lines
                    )
                else:
                    conns = by_pair.get((src, dst), ())
                    reached = bool(conns) if port is None else allows(conns, "TCP", port)
                text = f"{source} -> {destination}:{'any' if port is None else port} ({src} -> {dst})"
                (verdict.forbidden_allowed if reached else verdict.forbidden_denied).append(text)

    verdict.empty_policies = empty_policies(warnings)
    dns = set(_endpoints(KUBE_DNS, groups, known))
    for endpoint in sorted(groups):
        others = [ln for ln in lines if endpoint in (ln.source, ln.destination) and ln.destination not in dns]
        if not others:
            verdict.unselected.append(endpoint)
    return verdict


def _show(conns: Sequence[Conn]) -> str:
    if conns == ALL:
        return "all connections"
    return "; ".join(
        f"{'/'.join(sorted(c.protocols)) if c.protocols else 'any'} {','.join(f'{lo}-{hi}' if lo != hi else str(lo) for lo, hi in c.ports) if c.ports else 'any port'}"
        for c in conns
    )
