"""The NetworkPolicies judged from outside: `python -m tools.flows [CASE ...] [--nca PATH] [--out DIR]`.

Renders every case of the stack matrix below, adds the peers that live outside the render
(the ingress controller, kube-dns, a Rasa Pro Job pod a consumer starts, assistant namespaces,
an unrelated namespace) as plain Pod manifests, and has network-config-analyzer
(github.com/IBM/network-config-analyzer) compute what the rendered files allow. It reads no
policy of the flow model: the expected side is `network_flows.flows(config)` plus DNS, the
actual side is what the analyzer finds in the manifests. Fails (exit 1) when

- a flow of the model is not allowed at its port (blocked);
- a connection touching a Studio pod is allowed that no flow names (unexpected), in particular
  a foreign pod reaching PostgreSQL, Kafka, Keycloak or object storage, or the web client or a
  Rasa Pro Job reaching PostgreSQL (forbidden probes, counted on their own);
- a NetworkPolicy or a rule of one selects no pod (the analyzer warns), a workload of ours has
  no connection but DNS (selected by no allow policy), or a rendered workload belongs to no pod
  group.

The pure parts (peers, expectations, parsing the analyzer's text) are tested in the normal
suite; .ci/netpol installs the analyzer in its own virtualenv and runs this.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components import names
from components.labels import pod_labels
from components.network_flows import (
    ANYWHERE,
    DNS_PORT,
    INGRESS_CONTROLLER,
    KUBE_DNS,
    KUBERNETES_API,
    NAMESPACE_PREFIX,
    OUTSIDE,
    RASA_JOBS,
    Flow,
    database_endpoint,
    flows,
    namespace_peer,
)
from config import StackConfig, validate
from config.defaults import merge
from config.errors import PROJECT

from . import stackfile, yaml_io

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NCA = ROOT / ".venv-netpol" / "bin" / "nca"
MODE_SECTIONS = ("kafka", "database", "objectStorage")

# --- The stack matrix ----------------------------------------------------------------------

_EXTERNAL: dict[str, Any] = {
    "kafka": {
        "mode": "external",
        "brokers": ["kafka-1.example.com:9093", "kafka-2.example.com:9093"],
        "username": "studio",
        "passwordSecret": {"name": "kafka", "key": "password"},
    },
    "database": {
        "mode": "external",
        "host": "db.example.com",
        "port": 6432,
        "passwordSecret": {"name": "studio-database", "key": "password"},
        # What prod demands (config validation); the flows do not depend on it.
        "sslMode": "verify-full",
    },
    "objectStorage": {"mode": "external", "bucket": "models", "endpoint": "https://storage.example.com:9443"},
}
# The embedded model service needs Studio >= 1.17 (config validation says so).
_EMBEDDED: dict[str, Any] = {"studio": {"version": "1.17.0"}, "modelService": {"architecture": "embedded"}}


@dataclass(frozen=True)
class Case:
    """A stack file, and changes on top of it (a backing section given here replaces the file's)."""

    stack: str
    changes: Mapping[str, Any] = field(default_factory=dict)


# Both architectures and every backing-service mode: in-cluster (dev), AWS (staging, prod),
# external; assistant namespaces reaching the in-cluster Kafka.
CASES: dict[str, Case] = {
    "dev": Case("dev"),
    "staging": Case("staging"),
    "prod": Case("prod"),
    "dev-embedded": Case("dev", _EMBEDDED),
    "dev-external": Case("dev", _EXTERNAL),
    "prod-embedded-external": Case("prod", {**_EMBEDDED, **_EXTERNAL}),
    "dev-kafka-clients": Case("dev", {"kafka": {"mode": "in-cluster", "clientNamespaces": ["assistants", "bots"]}}),
    # The backup CronJob and a restore Job, each reaching PostgreSQL and the bucket.
    "dev-backups": Case("dev", {"database": {"mode": "in-cluster", "backup": {"restoreFrom": "20261204T030000Z"}}}),
    # Keycloak outside the cluster; and no Kafka at all (embedded, without event ingestion).
    # An external Keycloak needs Studio 1.12.0+ (config/versions.py), so the embedded architecture.
    "dev-external-keycloak": Case(
        "dev",
        {
            # Without pod settings of the in-cluster Keycloak: an external one has no pods.
            "studio": {
                "version": "1.17.0",
                "keycloak": {"external": {"url": "https://sso.example.com/auth"}, "resources": None},
            },
            "modelService": {"architecture": "embedded"},
        },
    ),
    "dev-embedded-no-kafka": Case(
        "dev",
        {
            "studio": {"version": "1.17.0", "eventIngestion": {"enabled": False}},
            "modelService": {"architecture": "embedded"},
        },
    ),
    # Every exposure profile: dev is the Gateway API with Envoy Gateway (proxies in its own
    # namespace), staging and prod the ALB (address ranges); here an nginx-compatible Ingress
    # controller and a Gateway whose proxies run beside it (GEP-1762 label).
    "dev-ingress-nginx": Case("dev", {"studio": {"exposure": "ingress", "gateway": None}}),
    "dev-gateway-generic": Case(
        "dev",
        {
            "studio": {
                "gateway": {
                    "parentRef": {"name": "public", "namespace": "gateways"},
                    "create": None,
                    "controller": "generic",
                }
            }
        },
    ),
    # The same preset with the Gateway in Studio's own namespace (Istio, NGINX Gateway Fabric):
    # its proxies sit behind the namespace's default deny and need a policy of their own.
    "dev-gateway-in-namespace": Case(
        "dev",
        {
            "studio": {
                "gateway": {
                    "parentRef": {"name": "studio", "namespace": "rasa-studio"},
                    "create": {"gatewayClassName": "istio"},
                    "controller": "generic",
                    "controlPlaneNamespace": "istio-system",
                }
            }
        },
    ),
    # An Ingress controller in Studio's namespace: its own policy, the API server included.
    "dev-ingress-in-namespace": Case(
        "dev",
        {
            "studio": {
                "exposure": "ingress",
                "gateway": None,
                "entryPeer": {"namespace": "rasa-studio", "podLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
            }
        },
    ),
}


def case_document(case: Case, root: Path = ROOT) -> dict[str, Any]:
    """The stack file of a case, as YAML data (`--set` cannot give lists such as brokers)."""
    document = yaml_io.load((root / f"Pulumi.{case.stack}.yaml").read_text())
    config = document["config"]
    for key, value in case.changes.items():
        full = f"{PROJECT}:{key}"
        if key in MODE_SECTIONS or not isinstance(value, Mapping):
            config[full] = value
        else:
            config[full] = merge(config.get(full) or {}, dict(value))
    return dict(document)


def case_config(case: Case, root: Path = ROOT) -> StackConfig:
    path = root / f"Pulumi.{case.stack}.yaml"
    given = stackfile.read(path)
    plain = {k: v for k, v in given.plain.items() if not (k in MODE_SECTIONS and k in case.changes)}
    config, problems = validate(merge(plain, dict(case.changes)))
    if config is None:
        raise ValueError(f"case on {case.stack}: {problems}")
    return config


# --- Peers outside the render ----------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """A flow-model peer as the analyzer sees it: a pod (namespace, labels) or address ranges."""

    name: str
    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    cidrs: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        """How the analyzer names it: `ns/pod[Pod]`, or the model's name for address ranges."""
        if self.cidrs:
            return self.name
        pod = re.sub(r"[^a-z0-9-]+", "-", self.name.lower()).strip("-")
        return f"{self.namespace}/{pod}[Pod]"


# Labels the real pods carry, not the ones our selectors expect: the ingress-nginx chart's
# controller pods, and CoreDNS as kubeadm, kind and EKS deploy it.
INGRESS_NGINX_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
}
KUBE_DNS_LABELS = {"k8s-app": "kube-dns"}
# A pod of a Job the consumers start: Kubernetes' Job labels and whatever the image chooses,
# never our part-of label.
RASA_JOB_LABELS = {
    "batch.kubernetes.io/job-name": "rasa-train-0",
    "job-name": "rasa-train-0",
    "app": "rasa-pro",
}
FOREIGN_NAMESPACE = "unrelated-tenant"
FOREIGN = "foreign"
# A pod of another namespace wearing a Studio pod's labels: selectors must be namespace-bound.
IMPOSTOR = "foreign-impostor"


# Envoy Gateway's proxy pods (gateway.envoyproxy.io), besides the owning-gateway labels the
# preset selects on.
ENVOY_PROXY_LABELS = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
}
# Another pod in the entry point's namespace (another Gateway's proxy, the controller itself):
# the policies must tell it from the proxy that serves Studio.
ENTRY_NEIGHBOUR = "entry-neighbour"


def entry_peers(config: StackConfig) -> list[Peer]:
    """Where user traffic enters: the data plane of the exposure profile (studio.entryPeer).

    Pods carry the labels the real data plane has (ingress-nginx's chart, Envoy Gateway's
    proxies), of which the selectors under test use a subset; an ALB is its subnets' ranges.
    """
    studio = config.studio
    entry = studio.entry
    assert entry is not None  # the config model requires one
    if entry.cidrs:
        return [Peer(INGRESS_CONTROLLER, cidrs=tuple(entry.cidrs))]
    base: Mapping[str, str] = {}
    if studio.exposure == "ingress" and studio.ingress.profile == "nginx":
        base = INGRESS_NGINX_LABELS
    elif studio.gateway is not None and studio.gateway.controller == "envoy-gateway":
        base = ENVOY_PROXY_LABELS
    found = [Peer(INGRESS_CONTROLLER, str(entry.namespace), {**base, **entry.pod_labels})]
    # In Studio's own namespace any other pod is a Studio pod or a Rasa Pro Job: no neighbour.
    if entry.pod_labels and entry.namespace != config.kubernetes.namespace:
        found.append(Peer(ENTRY_NEIGHBOUR, str(entry.namespace), {**base, "app": "entry-neighbour"}))
    return found


def peers(config: StackConfig, instance: str) -> dict[str, Peer]:
    """Every peer outside the rendered workloads, by flow-model name (`instance`: the stack)."""
    k8s = config.kubernetes
    found = [
        *entry_peers(config),
        Peer(KUBE_DNS, "kube-system", KUBE_DNS_LABELS),
        Peer(FOREIGN, FOREIGN_NAMESPACE, {"app": "foreign"}),
        Peer(IMPOSTOR, FOREIGN_NAMESPACE, pod_labels("backend", instance)),
        Peer(OUTSIDE, cidrs=tuple(k8s.egress_cidrs)),
        Peer(KUBERNETES_API, cidrs=tuple(k8s.api_server_cidrs)),
    ]
    if config.model_service.architecture == "orchestrated":
        found.append(Peer(RASA_JOBS, k8s.namespace, RASA_JOB_LABELS))
    for namespace in getattr(config.kafka, "client_namespaces", []):
        found.append(Peer(namespace_peer(namespace), namespace, {"app": "assistant"}))
    if config.entry_in_namespace:
        # IPv4 only: the analyzer's ranges are judged for IPv4 (ranges() leaves IPv6 out).
        found.append(Peer(ANYWHERE, cidrs=("0.0.0.0/0",)))
        gateway = config.studio.gateway
        if gateway is not None and gateway.control_plane_namespace is not None:
            namespace = gateway.control_plane_namespace
            found.append(Peer(namespace_peer(namespace), namespace, {"app": "gateway-controller"}))
    return {p.name: p for p in found}


def peer_manifests(config: StackConfig, instance: str) -> list[dict[str, Any]]:
    """Namespaces and Pods for the peers that are pods (the Studio namespace is rendered)."""
    pods = [p for p in peers(config, instance).values() if p.namespace]
    namespaces = sorted({p.namespace for p in pods} - {config.kubernetes.namespace})
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
        }
        for ns in namespaces
    ]
    for p in pods:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": p.endpoint.split("/")[1].removesuffix("[Pod]"),
                    "namespace": p.namespace,
                    "labels": dict(p.labels),
                },
                "spec": {"containers": [{"name": "peer", "image": "registry.k8s.io/pause:3.10"}]},
            }
        )
    return docs


# --- Rendered workloads and their pod groups ------------------------------------------------

# Workload object names (Jobs: a prefix before the spec hash) of each pod group, from the names
# the Rasa chart gives them: the analyzer names endpoints by workload, so this is how its answer
# is tied to the flow model without reading the labels under test.
WORKLOADS: dict[str, str] = {
    "web-client": names.WEB_CLIENT_SERVICE,
    "backend": names.BACKEND_SERVICE,
    "keycloak": names.KEYCLOAK_SERVICE,
    "event-ingestion": "studio-event-ingestion",
    "database-migration": "studio-database-migration-",
    "model-training-orchestrator": f"{names.MODEL_TRAINING_SERVICE}-orchestrator",
    "model-running-orchestrator": f"{names.MODEL_RUNNING_SERVICE}-orchestrator",
    "model-training-consumer": f"{names.MODEL_TRAINING_SERVICE}-consumer",
    "model-running-consumer": f"{names.MODEL_RUNNING_SERVICE}-consumer",
    "model-service": names.MODEL_SERVICE,
    "nginx-reverse-proxy": names.TALK_PROXY_SERVICE,
    "kafka": names.KAFKA_SERVICE,
    "postgresql": names.POSTGRESQL_SERVICE,
    "object-storage": names.MINIO_SERVICE,
    "database-init": "database-init-",
    "kafka-topics": "kafka-topics-",
    "minio-bucket": "minio-bucket-",
    "postgresql-backup": "postgresql-backup",
    "postgresql-restore": "postgresql-restore-",
}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")


def group_of(name: str) -> str | None:
    for group, pattern in WORKLOADS.items():
        if name == pattern or (pattern.endswith("-") and re.fullmatch(re.escape(pattern) + "[0-9a-f]+", name)):
            return group
    return None


def workloads(manifests: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Analyzer endpoint (`ns/name[Kind]`) of every rendered workload -> its pod group ('' if none)."""
    found = {}
    for m in manifests:
        if m.get("kind") in WORKLOAD_KINDS:
            meta = m["metadata"]
            found[f"{meta['namespace']}/{meta['name']}[{m['kind']}]"] = group_of(meta["name"]) or ""
    return found


# --- Connections -------------------------------------------------------------------------------

PortRange = tuple[int, int]
MAX_PORT = 65535


@dataclass(frozen=True)
class Conn:
    """One cube of an analyzer connection: protocols (None: all) x destination ports (None: all)."""

    protocols: frozenset[str] | None
    ports: tuple[PortRange, ...] | None


ALL: tuple[Conn, ...] = (Conn(None, None),)
_CUBE = re.compile(r"\{([^{}]*)\}")
_DIMENSION = re.compile(r"(protocols|src_ports|dst_ports|methods|paths|hosts):")


def parse_connections(text: str) -> tuple[Conn, ...]:
    """The analyzer's connection text: `All connections`, `No connections`, or cubes such as
    `{protocols:TCP, UDP,dst_ports:53}` or `{protocols:TCP,dst_ports:8000-8001,9092}`."""
    text = text.strip()
    if text == "All connections":
        return ALL
    if text == "No connections":
        return ()
    cubes = _CUBE.findall(text)
    if not cubes:
        raise ValueError(f"unparsed connection text: {text!r}")
    found = []
    for cube in cubes:
        parts = _DIMENSION.split(cube)
        dims = {parts[i]: parts[i + 1].strip().strip(",").strip() for i in range(1, len(parts), 2)}
        unknown = set(dims) - {"protocols", "dst_ports"}
        if unknown:
            raise ValueError(f"connection with dimensions this check does not judge {sorted(unknown)}: {text!r}")
        protocols = frozenset(p.strip() for p in dims["protocols"].split(",")) if "protocols" in dims else None
        ports = None
        if "dst_ports" in dims:
            ranges = []
            for item in dims["dst_ports"].split(","):
                low, _, high = item.strip().partition("-")
                ranges.append((int(low), int(high or low)))
            ports = tuple(ranges)
        found.append(Conn(protocols, ports))
    return tuple(found)


def allows(conns: Sequence[Conn], protocol: str, port: int | None) -> bool:
    """Whether the connections allow `protocol` at `port` (None: every port of every protocol)."""
    for c in conns:
        if c.protocols is not None and (port is None or protocol not in c.protocols):
            continue
        if c.ports is None or (port is not None and any(lo <= port <= hi for lo, hi in c.ports)):
            return True
    return False


def within(conns: Sequence[Conn], wanted: set[tuple[str, int | None]]) -> bool:
    """Whether the connections allow nothing beyond `wanted` (protocol, port or None for all)."""
    if any(port is None for _, port in wanted):
        return True
    for c in conns:
        if c.protocols is None or c.ports is None:
            return False
        for protocol in c.protocols:
            for lo, hi in c.ports:
                if hi - lo > MAX_PORT or any((protocol, p) not in wanted for p in range(lo, hi + 1)):
                    return False
    return True


@dataclass(frozen=True)
class Line:
    source: str
    destination: str
    conns: tuple[Conn, ...]


_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")


def parse_connectivity(text: str) -> list[Line]:
    """Lines `src => dst : connections` of `nca --connectivity -o txt_no_fw_rules`."""
    found = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if m:
            found.append(Line(m["src"], m["dst"], parse_connections(m["conn"])))
    return found


def is_address(endpoint: str) -> bool:
    return "/" not in endpoint


def ranges(endpoint: str) -> list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]]:
    """`10.0.0.0-10.0.255.255,10.2.0.0-255.255.255.255` as address pairs (IPv6 left out)."""
    found = []
    for item in endpoint.split(","):
        low, _, high = item.partition("-")
        try:
            found.append((ipaddress.IPv4Address(low), ipaddress.IPv4Address(high or low)))
        except ipaddress.AddressValueError:
            continue
    return found


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


# --- Judgement -------------------------------------------------------------------------------------


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
        lines += [f"  UNKNOWN WORKLOAD {x} (add it to tools/flows.py WORKLOADS)" for x in self.unknown_workloads]
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
    sensitive = ["postgresql", "kafka", "keycloak", "object-storage", "database-init", "kafka-topics", "minio-bucket"]
    found: list[tuple[str, str, int | None]] = [(s, d, None) for s in (FOREIGN, IMPOSTOR) for d in sensitive]
    # Assistant namespaces publish to the in-cluster brokers (on their client port only, which
    # the unexpected-connection check holds them to) and reach nothing else.
    clients = [p for p in known if p.startswith(NAMESPACE_PREFIX)]
    found += [(s, d, None) for s in clients for d in sensitive if d != "kafka"]
    found += [(s, database, db_port) for s in ("web-client", RASA_JOBS) if s == "web-client" or s in known]
    # Only the entry point's own proxy pods reach Studio's front doors, not their neighbours.
    if ENTRY_NEIGHBOUR in known:
        found += [(ENTRY_NEIGHBOUR, d, None) for d in ("web-client", "backend", "keycloak")]
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


# The analyzer's warning while it reads a policy (`<file>:<line>:<col>: Warning: ...`) names a
# policy with a pod selector (its own, or a rule's peer) that matches no pod; its sanity query's
# finding names a policy whose own selector matches none.
_EMPTY_WARNING = re.compile(
    r"(?P<ns>[a-z0-9-]+)\.networkpolicy\.(?P<name>[a-z0-9.-]+)\.yaml:\d+:\d+: Warning: A podSelector selects no pods"
)
_EMPTY_SANITY = re.compile(
    r"NetworkPolicy (?P<ns>[a-z0-9-]+)/(?P<name>[a-z0-9.-]+) is empty - it does not select any pods"
)


def empty_policies(text: str) -> list[str]:
    found = {f"{m['ns']}/{m['name']}" for pattern in (_EMPTY_WARNING, _EMPTY_SANITY) for m in pattern.finditer(text)}
    return sorted(found)


def _show(conns: Sequence[Conn]) -> str:
    if conns == ALL:
        return "all connections"
    return "; ".join(
        f"{'/'.join(sorted(c.protocols)) if c.protocols else 'any'} {','.join(f'{lo}-{hi}' if lo != hi else str(lo) for lo, hi in c.ports) if c.ports else 'any port'}"
        for c in conns
    )


# --- Running it -----------------------------------------------------------------------------------


def render(name: str, case: Case, out: Path) -> list[dict[str, Any]]:
    """Render a case with the real renderer and return its manifests."""
    out.mkdir(parents=True, exist_ok=True)
    stack_file = out / f"Pulumi.{name}.yaml"
    stack_file.write_text(yaml.safe_dump(case_document(case), sort_keys=True))
    subprocess.run(
        [sys.executable, "-m", "tools.render", case.stack, "--config", str(stack_file), "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return [yaml_io.load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]


def analyze(nca: Path, manifests_dir: Path, peers_file: Path) -> tuple[str, str]:
    """The analyzer's connectivity map (pairwise text) of the rendered files, and its warnings.

    Its warnings while reading the policies name those that select no pod; they say the same as
    its `--sanity` query, which takes ten times as long.
    """
    connectivity = subprocess.run(
        [str(nca), "--connectivity", "-r", str(manifests_dir), "-r", str(peers_file), "-o", "txt_no_fw_rules"],
        capture_output=True,
        text=True,
        check=False,
    )
    if "=>" not in connectivity.stdout:
        raise RuntimeError(f"network-config-analyzer gave no connectivity map:\n{connectivity.stderr}")
    return connectivity.stdout, connectivity.stderr


def check(name: str, case: Case, nca: Path, out: Path) -> Verdict:
    config = case_config(case)
    manifests = render(name, case, out)
    peers_file = out / "peers.yaml"
    peers_file.write_text(yaml.safe_dump_all(peer_manifests(config, case.stack), sort_keys=True))
    connectivity, warnings = analyze(nca, out / "manifests", peers_file)
    (out / "analyzer-connectivity.txt").write_text(connectivity)
    (out / "analyzer-warnings.txt").write_text(warnings)
    return judge(name, config, case.stack, manifests, connectivity, warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.flows", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help=f"cases to check (default all: {', '.join(CASES)})")
    parser.add_argument("--nca", type=Path, default=DEFAULT_NCA, help="the analyzer's executable")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "netpol", help="where renders go")
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}")
    failed = 0
    for name in args.cases or list(CASES):
        verdict = check(name, CASES[name], args.nca, args.out / name)
        print(verdict.report())
        failed += not verdict.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
