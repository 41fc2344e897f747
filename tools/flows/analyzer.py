"""network-config-analyzer (github.com/IBM/network-config-analyzer): running it, and reading its
connectivity map and warnings.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Where .ci/netpol installs it: a virtualenv of its own at the repository root.
DEFAULT_NCA = Path(__file__).resolve().parents[2] / ".venv-netpol" / "bin" / "nca"


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


# --- Its connectivity map ----------------------------------------------------------------------

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


# --- Its warnings -------------------------------------------------------------------------------

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
