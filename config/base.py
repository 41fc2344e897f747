"""Shared pydantic base and value types for the stack configuration.

Every model forbids unknown keys: a typo in a stack file must fail loudly, never be ignored.
Keys are camelCase in the stack files (Pulumi and Kubernetes convention) and snake_case in Python.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        validate_default=True,
        # A field's docstring is its description in the generated reference (docs/configuration.md).
        use_attribute_docstrings=True,
    )


# RFC 1123 label (IsDNS1123Label): the one pattern of every Kubernetes name rule here.
DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Kubernetes' quantity grammar (k8s.io/apimachinery pkg/api/resource/quantity.go):
# <signedNumber> then one of the binary suffixes, the decimal suffixes, or an e/E exponent.
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?|[eE](?P<exponent>[+-]?[0-9]+))$"
)
QUANTITY_SUFFIXES = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
# Kubernetes keeps a quantity in an int64 of its smallest unit (milli): anything larger cannot be
# represented, and no node offers a fraction of it.
QUANTITY_MAX = Decimal(2**63 - 1) / 1000
# Names Kubernetes reserves for itself: a default-deny NetworkPolicy or a restricted Pod Security
# label there cuts CoreDNS, kube-proxy and the node lease off. `default` holds the API Service.
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
# A Deployment's or StatefulSet's replicas are an int32 in the API, but what a cluster can run is
# far less: Kubernetes' tested envelope is 5000 nodes and 150000 pods of 110 per node
# (kubernetes.io/docs/setup/best-practices/cluster-large). One Studio workload of more than 1000
# pods is a typo, not a plan.
MAX_REPLICAS = 1000
# What `kubernetes.io/docs/concepts/overview/working-with-objects/names` allows a hostname.
_HOST_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", re.IGNORECASE)
# Region names of AWS (eu-central-1), GCP (europe-west3), Azure (westeurope) and S3-compatible
# services (fr-par, nyc3, auto): lowercase letters and digits in '-'-separated parts.
_REGION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_IMAGE_REPOSITORY = re.compile(r"^[a-z0-9]+([._/:-][a-z0-9]+)*$")
_SEMVER_PREFIX = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def is_dns1123_subdomain(value: str) -> bool:
    """IsDNS1123Subdomain: what Kubernetes requires of most object names."""
    return 0 < len(value) <= 253 and all(DNS_LABEL_RE.match(p) for p in value.split("."))


def _dns_label(value: str) -> str:
    """RFC 1123 label: what Kubernetes requires of namespace and Service names."""
    if len(value) > 63 or not DNS_LABEL_RE.match(value):
        raise ValueError(
            "must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _dns_subdomain(value: str) -> str:
    """RFC 1123 subdomain: what Kubernetes requires of most object names."""
    if not is_dns1123_subdomain(value):
        raise ValueError(
            "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
            "each part starting and ending with a letter or digit"
        )
    return value


def _hostname(value: str) -> str:
    """A fully qualified host name the ingress can serve and a browser can reach."""
    if value != value.lower():
        raise ValueError("must be lowercase")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        # Ingress rules and HTTPRoute hostnames take DNS names only (the API server and the
        # Gateway API CRD refuse IPs), and a browser's TLS certificate names a host.
        raise ValueError(f"{value!r} is an IP address; give a DNS name such as studio.example.com")
    parts = value.split(".")
    if len(value) > 253 or len(parts) < 2 or not all(DNS_LABEL_RE.match(p) and len(p) <= 63 for p in parts):
        raise ValueError(
            "must be a fully qualified host name such as studio.example.com (no scheme, port, path or wildcard)"
        )
    return value


def quantity_amount(value: str) -> Decimal:
    """The amount of a Kubernetes quantity in its base unit ('2.5Gi' -> 2684354560, '500m' -> 0.5)."""
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(
            f"{value!r} is not a Kubernetes quantity: a number with an optional suffix "
            "(m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei) or exponent, such as 500m, 2, 512Mi or 4Gi"
        )
    try:
        number = Decimal(match["number"])
        exponent = int(match["exponent"]) if match["exponent"] is not None else None
        if exponent is not None and abs(exponent) > 30:
            # Far beyond QUANTITY_MAX either way; also keeps Decimal away from huge powers.
            raise ValueError(f"{value!r} is out of range: the exponent must be within -30..30")
        scale = Decimal(10) ** exponent if exponent is not None else QUANTITY_SUFFIXES[match["suffix"]]
        return number * scale
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a Kubernetes quantity") from None


def _quantity(value: str) -> str:
    amount = quantity_amount(value)
    if amount <= 0:
        raise ValueError(f"must be greater than zero, got {value!r}")
    if amount > QUANTITY_MAX:
        raise ValueError(f"{value!r} is larger than Kubernetes can represent")
    return value


def _namespace(value: str) -> str:
    _dns_label(value)
    if value in RESERVED_NAMESPACES or value.startswith("kube-"):
        raise ValueError(
            f"{value!r} belongs to Kubernetes itself: the stack's default-deny NetworkPolicies and Pod "
            "Security labels would cut off cluster services there; use a namespace of your own"
        )
    return value


def _host(value: str) -> str:
    """A DNS name (one label or more, as in-cluster Service names) or an IP address."""
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    labels = value.removesuffix(".").split(".")
    if len(value) > 253 or not all(len(label) <= 63 and _HOST_LABEL.match(label) for label in labels):
        raise ValueError(
            f"{value!r} is not a host name or IP address (letters, digits, '-' and '.'; "
            "no scheme, port, path or spaces)"
        )
    return value


check_host = _host


def _region(value: str) -> str:
    if len(value) > 64 or not _REGION.match(value):
        raise ValueError(f"{value!r} is not a region name such as eu-central-1 (lowercase, '-' between parts)")
    return value


def split_host_port(value: str) -> tuple[str, int]:
    """'kafka-1.example.com:9096' or '[2001:db8::1]:9096' -> (host, port); ValueError names the problem."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{value!r} must be HOST:PORT, such as kafka-1.example.com:9096")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        ipaddress.IPv6Address(host)
    _host(host)
    number = int(port)
    if not 1 <= number <= 65535:
        raise ValueError(f"{value!r}: the port must be within 1..65535, got {number}")
    return host, number


def _host_port(value: str) -> str:
    split_host_port(value)
    return value


def _http_url(value: str) -> str:
    """An http(s) endpoint: scheme, a valid host, an optional port 1-65535, nothing else."""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a port out of 0..65535 or not a number
    except ValueError:
        raise ValueError(f"{value!r} is not a URL such as https://s3.example.com:9000 (port 1-65535)") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} must start with https:// (or http://)")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; put them in the credentials Secret")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError(f"{value!r} must be scheme, host and port only (no path, query or fragment)")
    if port == 0:
        raise ValueError(f"{value!r}: the port must be within 1..65535")
    _host((parts.hostname or "").strip("[]"))
    return value


def _tag_as_text(value: object) -> object:
    # YAML reads an unquoted 1.10 as the number 1.1; the string it meant is gone by now.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(
            f"got the number {value!r}: YAML reads an unquoted version as a number (1.10 becomes 1.1); "
            'quote the version, e.g. "1.10.0"'
        )
    return value


# For a version a model keeps as text (an engine's "8.1"): an unquoted number is refused with the hint.
version_as_text = _tag_as_text


def _image_tag(value: str) -> str:
    if value == "latest":
        raise ValueError("must pin a version; 'latest' changes under your feet")
    if not _IMAGE_TAG.match(value):
        raise ValueError("must be a container image tag (letters, digits, '_', '.', '-'; at most 128)")
    return value


def _image_repository(value: str) -> str:
    if ":" in value.rsplit("/", 1)[-1] or "@" in value:
        raise ValueError("must be a repository without a tag or digest; set the tag separately")
    if not _IMAGE_REPOSITORY.match(value):
        raise ValueError("must be a lowercase image repository such as registry.example.com/team/image")
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
# A namespace the stack may own (not one of Kubernetes' own).
Namespace = Annotated[str, AfterValidator(_namespace)]
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
Hostname = Annotated[str, AfterValidator(_hostname)]


def _number_as_text(value: object) -> object:
    # `cpu: 2` or `cpu: 0.5` in YAML is a number; Kubernetes takes either form.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


number_as_text = _number_as_text

# A positive Kubernetes quantity (every size in this config: zero CPU, memory or storage makes no sense).
Quantity = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_quantity)]
# A server's address: DNS name or IP literal, checked by their grammar (no spaces, schemes, ports).
Host = Annotated[str, AfterValidator(_host)]
# HOST:PORT with the port in 1..65535 (broker addresses).
HostPort = Annotated[str, AfterValidator(_host_port)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Region = Annotated[str, AfterValidator(_region)]
ImageTag = Annotated[str, BeforeValidator(_tag_as_text), AfterValidator(_image_tag)]
ImageRepository = Annotated[str, AfterValidator(_image_repository)]
PositiveInt = Annotated[int, Field(ge=1)]
Port = Annotated[int, Field(ge=1, le=65535)]
Replicas = Annotated[int, Field(ge=1, le=MAX_REPLICAS)]


def version_tuple(tag: str) -> tuple[int, int, int]:
    """Leading semantic version of an image tag: '1.17.0-latest' -> (1, 17, 0).

    Rasa tags carry suffixes such as '-latest'; only the numeric prefix orders releases.
    """
    match = _SEMVER_PREFIX.match(tag)
    if not match:
        raise ValueError(f"'{tag}' does not start with a version such as 1.17.0")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


class ResourceList(Model):
    cpu: Quantity | None = None
    """CPU (`500m`, `2`); unset: the component's built-in value."""
    memory: Quantity | None = None
    """Memory (`512Mi`, `4Gi`); unset: the component's built-in value."""


class Resources(Model):
    """Container requests and limits, as in a Kubernetes container spec."""

    requests: ResourceList = ResourceList()
    """
    requests <= limits is checked on the merged values (defaults under these), with the other resource rules, in
    components/preflight.py.
    """
    limits: ResourceList = ResourceList()


class SecretKeyRef(Model):
    """A key in an existing Kubernetes Secret in the Studio namespace."""

    name: DnsSubdomain
    """Name of an existing Secret in the Studio namespace."""
    key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253)]
    """Key in that Secret."""
