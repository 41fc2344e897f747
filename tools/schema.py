"""Strict validation of manifests against the official Kubernetes OpenAPI schemas.

kubernetes-validate stops at the first error of a document and rebuilds its validator for
every call; here the validators are cached per kind and every error is reported.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema
from kubernetes_validate import utils
from referencing import Registry, Resource


def latest_version() -> str:
    return utils.latest_version()


def _schema_version(desired: str) -> str:
    return [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(desired)][-1]


@cache
def _validator(version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    schema_dir = f"v{_schema_version(version)}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        return None
    definitions = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def errors(obj: dict[str, Any], version: str) -> list[str]:
    """Every schema error of one object for a Kubernetes version such as '1.30'."""
    kind, api_version = obj.get("kind", "?"), obj.get("apiVersion", "?")
    name = f"{kind}/{obj.get('metadata', {}).get('name', '?')}"
    validator = _validator(version, kind, api_version)
    if validator is None:
        return [f"{name}: no schema for {api_version} {kind} in Kubernetes {version}"]
    return [
        f"{name}: {'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]
