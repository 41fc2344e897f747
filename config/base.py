"""Shared pydantic base and value types for the stack configuration.

Every model forbids unknown keys: a typo in a stack file must fail loudly, never be ignored.
Keys are camelCase in the stack files (Pulumi and Kubernetes convention) and snake_case in Python.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        validate_default=True,
    )


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN_PART = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_IMAGE_REPOSITORY = re.compile(r"^[a-z0-9]+([._/:-][a-z0-9]+)*$")
_SEMVER_PREFIX = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def _dns_label(value: str) -> str:
    """RFC 1123 label: what Kubernetes requires of namespace and Service names."""
    if len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(
            "must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _dns_subdomain(value: str) -> str:
    """RFC 1123 subdomain: what Kubernetes requires of most object names."""
    if len(value) > 253 or not all(_DNS_SUBDOMAIN_PART.match(p) for p in value.split(".")):
        raise ValueError(
            "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
            "each part starting and ending with a letter or digit"
        )
    return value


def _hostname(value: str) -> str:
    """A fully qualified host name the ingress can serve and a browser can reach."""
    if value != value.lower():
        raise ValueError("must be lowercase")
    parts = value.split(".")
    if len(value) > 253 or len(parts) < 2 or not all(_DNS_LABEL.match(p) and len(p) <= 63 for p in parts):
        raise ValueError(
            "must be a fully qualified host name such as studio.example.com (no scheme, port, path or wildcard)"
        )
    return value


def _quantity(value: str) -> str:
    if not _QUANTITY.match(value):
        raise ValueError("must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi")
    return value


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
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
Hostname = Annotated[str, AfterValidator(_hostname)]
Quantity = Annotated[str, AfterValidator(_quantity)]
ImageTag = Annotated[str, AfterValidator(_image_tag)]
ImageRepository = Annotated[str, AfterValidator(_image_repository)]
PositiveInt = Annotated[int, Field(ge=1)]
Port = Annotated[int, Field(ge=1, le=65535)]


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
    memory: Quantity | None = None


class Resources(Model):
    """Container requests and limits, as in a Kubernetes container spec."""

    requests: ResourceList = ResourceList()
    limits: ResourceList = ResourceList()


class SecretKeyRef(Model):
    """A key in an existing Kubernetes Secret in the Studio namespace."""

    name: DnsSubdomain
    key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253)]
