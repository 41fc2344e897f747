"""The API server's own validation rules for the Kubernetes-typed values of the stack config.

kubernetes-validate checks the OpenAPI schemas; the API server checks more, in Go, and a value
only it refuses fails a `pulumi up` halfway, after other objects were created. These are those
rules, from the sources (kubernetes/apimachinery and kubernetes/kubernetes, 2026):

- `k8s.io/apimachinery/pkg/util/validation` (and `pkg/api/validate/content`): IsQualifiedName
  (label and annotation keys), IsValidLabelValue, IsDNS1123Label, IsDNS1123Subdomain,
  IsConfigMapKey (Secret and ConfigMap keys);
- `k8s.io/apimachinery/pkg/api/validation` ValidateAnnotations: keys checked lowercased,
  keys plus values at most TotalAnnotationSizeLimitB = 256 * 1024 bytes;
- `k8s.io/apimachinery/pkg/apis/meta/v1/validation` ValidateLabels, ValidateLabelSelector;
- `k8s.io/kubernetes/pkg/apis/core/validation` validateTolerations, ValidateNodeSelectorRequirement,
  validateNodeFieldSelectorRequirement, validatePodAffinityTerm, validateTopologySpreadConstraints,
  validateObjectFieldSelector (validEnvDownwardAPIFieldPathExpressions),
  validateContainerResourceDivisor, validateLocalDescendingPath (subPath), validateKeyToPath
  (validateLocalNonReservedPath), validateCSIDriverName, validateEmptyDirVolumeSource.

Each check raises ValueError with the reason, so pydantic reports it under the key that holds
the value. config/base.py keeps the name types it always had (DnsLabel, DnsSubdomain).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator

from .base import is_dns1123_subdomain, quantity_amount

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_NAME_RE = re.compile(rf"^{_NAME}$")
_LABEL_VALUE_RE = re.compile(rf"^({_NAME})?$")
_CONFIG_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")

NAME_MAX = 63
LABEL_VALUE_MAX = 63
DNS_SUBDOMAIN_MAX = 253
# apimachinery pkg/api/validation TotalAnnotationSizeLimitB.
TOTAL_ANNOTATION_SIZE = 256 * 1024
# core/validation validateCSIDriverName: at most 63 characters, a DNS subdomain lowercased.
CSI_DRIVER_MAX = 63

# core/validation validEnvDownwardAPIFieldPathExpressions, plus the two subscripted paths.
FIELD_PATHS = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.serviceAccountName",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)
_SUBSCRIPTED = re.compile(r"^(?P<path>metadata\.(labels|annotations))\['(?P<key>[^']*)'\]$")
# core/validation validateContainerResourceDivisor, by the divisor's canonical amount.
_BYTE_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei")
DIVISORS = {
    "cpu": frozenset(quantity_amount(d) for d in ("1m", "1")),
    "memory": frozenset(quantity_amount(d) for d in _BYTE_DIVISORS),
    "ephemeral-storage": frozenset(quantity_amount(d) for d in _BYTE_DIVISORS),
}
DIVISOR_TEXT = {"cpu": "1m or 1", "memory": ", ".join(_BYTE_DIVISORS), "ephemeral-storage": ", ".join(_BYTE_DIVISORS)}


# --- names -----------------------------------------------------------------------------------


def is_label_value(value: str) -> bool:
    return len(value) <= LABEL_VALUE_MAX and bool(_LABEL_VALUE_RE.match(value))


def qualified_name(value: str, what: str = "key") -> str:
    """IsQualifiedName: [DNS-subdomain prefix '/'] name of at most 63 [-A-Za-z0-9_.], alphanumeric at both ends."""
    parts = value.split("/")
    name = parts[-1]
    prefix_ok = len(parts) == 1 or (len(parts) == 2 and is_dns1123_subdomain(parts[0]))
    if not prefix_ok or not name or len(name) > NAME_MAX or not _NAME_RE.match(name):
        raise ValueError(
            f"{what} {value!r} is not a Kubernetes qualified name: an optional lowercase DNS-subdomain prefix and "
            "'/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return value


def annotation_key(value: str) -> str:
    # ValidateAnnotations checks the key lowercased: a prefix may have capitals, a label's may not.
    qualified_name(value.lower(), "annotation key")
    return value


def label_value(value: str, what: str = "label value") -> str:
    if not is_label_value(value):
        raise ValueError(
            f"{what} {value!r} is not a Kubernetes label value: empty or at most 63 letters, digits, '-', '_' "
            "or '.', starting and ending with a letter or digit"
        )
    return value


def label_map(value: Mapping[str, str]) -> Mapping[str, str]:
    """ValidateLabels: qualified-name keys, label values."""
    for key, item in value.items():
        qualified_name(key, "label key")
        label_value(item, f"value of {key!r}")
    return value


def annotation_map(value: Mapping[str, str]) -> Mapping[str, str]:
    """ValidateAnnotations: qualified-name keys (lowercased) and at most 256 KiB of keys and values."""
    for key in value:
        annotation_key(key)
    size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
    if size > TOTAL_ANNOTATION_SIZE:
        raise ValueError(f"annotations take {size} bytes; Kubernetes allows at most {TOTAL_ANNOTATION_SIZE} in all")
    return value


def config_key(value: str) -> str:
    """IsConfigMapKey: a key a Secret or ConfigMap can hold."""
    if (
        len(value) > DNS_SUBDOMAIN_MAX
        or not _CONFIG_KEY_RE.match(value)
        or value in (".", "..")
        or value.startswith("..")
    ):
        raise ValueError(
            f"{value!r} is not a Secret or ConfigMap key: at most 253 letters, digits, '-', '_' or '.', "
            "not '.' and not starting with '..'"
        )
    return value


def csi_driver(value: str) -> str:
    if len(value) > CSI_DRIVER_MAX or not is_dns1123_subdomain(value.lower()):
        raise ValueError(f"{value!r} is not a CSI driver name: a DNS subdomain of at most 63 characters")
    return value


# --- paths -----------------------------------------------------------------------------------


def descending_path(value: str) -> str:
    """validateLocalDescendingPath: relative, and no '..' element (subPath, item paths)."""
    if value.startswith("/"):
        raise ValueError(f"{value!r} must be a relative path")
    if ".." in value.split("/"):
        raise ValueError(f"{value!r} must not contain '..'")
    return value


def item_path(value: str) -> str:
    """validateLocalNonReservedPath: a descending path that does not start with '..' either."""
    if not value:
        raise ValueError("must not be empty")
    descending_path(value)
    if value.startswith(".."):
        raise ValueError(f"{value!r} must not start with '..'")
    return value


def field_path(value: str) -> str:
    """validateObjectFieldSelector of an env var: a supported field, or a label or annotation subscript."""
    match = _SUBSCRIPTED.match(value)
    if match:
        if match["path"] == "metadata.labels":
            qualified_name(match["key"], "label key")
        else:
            annotation_key(match["key"])
        return value
    if value not in FIELD_PATHS:
        raise ValueError(
            f"{value!r} is not a field an env var can read: one of {', '.join(sorted(FIELD_PATHS))}, "
            "metadata.labels['KEY'] or metadata.annotations['KEY']"
        )
    return value


def resource_divisor(resource: str, divisor: str) -> None:
    """validateContainerResourceDivisor: cpu by 1m or 1, memory and ephemeral storage by a power of 10 or 2."""
    kind = resource.split(".", 1)[1]
    amount = quantity_amount(divisor)
    if amount == 0:
        return  # unset, as the API server treats it
    if amount not in DIVISORS[kind]:
        raise ValueError(f"divisor {divisor!r} is not one Kubernetes takes for {resource}: {DIVISOR_TEXT[kind]}")


# --- scheduling ------------------------------------------------------------------------------

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def toleration(key: str | None, operator: str | None, value: str | None, effect: str | None) -> None:
    """validateTolerations (operator unset means Equal)."""
    if key:
        qualified_name(key, "toleration key")
    if not key and operator != "Exists":
        raise ValueError("without a key the operator must be Exists (tolerate every taint)")
    if operator == "Exists" and value:
        raise ValueError("operator Exists takes no value")
    if operator in (None, "Equal") and value:
        label_value(value, "toleration value")


def selector_requirement(key: str, operator: str, values: list[str] | None, node: bool) -> None:
    """ValidateNodeSelectorRequirement (node) or ValidateLabelSelectorRequirement (pods)."""
    qualified_name(key, "key")
    if operator in ("In", "NotIn") and not values:
        raise ValueError(f"operator {operator} needs values")
    if operator in ("Exists", "DoesNotExist") and values:
        raise ValueError(f"operator {operator} takes no values")
    if operator in ("Gt", "Lt"):
        if not node:
            raise ValueError(f"operator {operator} exists only for node selectors")
        if len(values or ()) != 1 or not _INTEGER_RE.match((values or [""])[0]):
            raise ValueError(f"operator {operator} needs exactly one value, an integer")
        return
    for item in values or ():
        label_value(item, "value")


def node_field_requirement(key: str, operator: str, values: list[str] | None) -> None:
    """validateNodeFieldSelectorRequirement: only metadata.name, In or NotIn, exactly one value."""
    if key != "metadata.name":
        raise ValueError(f"matchFields supports only the key metadata.name, got {key!r}")
    if operator not in ("In", "NotIn") or len(values or ()) != 1:
        raise ValueError("matchFields takes operator In or NotIn with exactly one value (a node name)")


def label_keys(keys: Iterable[str], what: str) -> None:
    for key in keys:
        qualified_name(key, what)


# --- storage ---------------------------------------------------------------------------------

GIB = Decimal(2) ** 30


def storage_size(value: str, minimum: Decimal | None = None, what: str = "") -> str:
    """A volume size: whole bytes (a claim cannot hold half a byte) and, for data, a useful floor."""
    amount = quantity_amount(value)
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    if minimum is not None and amount < minimum:
        raise ValueError(f"{value!r} is below {minimum / GIB:g}Gi, too small to hold {what or 'the data'}")
    return value


def volume_size(value: str) -> str:
    return storage_size(value)


def data_volume_size(value: str) -> str:
    """A database's or Kafka's volume: below 1Gi the write-ahead log or the segments alone fill it."""
    return storage_size(value, GIB, "a database's or Kafka's data")


# --- field types: the rules above as the config models' field types, declared once ---------------

QualifiedName = Annotated[str, AfterValidator(qualified_name)]
LabelValue = Annotated[str, AfterValidator(label_value)]
AnnotationKey = Annotated[str, AfterValidator(annotation_key)]
# Each key refused where it stands, then the total size as ValidateAnnotations counts it (256 KiB).
Annotations = Annotated[dict[AnnotationKey, str], AfterValidator(annotation_map)]
# A pod's nodeSelector is checked as labels (ValidateLabels): a value no node label can have would
# leave the pods pending for ever.
NodeSelector = Annotated[dict[str, str], AfterValidator(label_map)]
