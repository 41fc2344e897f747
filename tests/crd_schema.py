"""Strict validation of Gateway API objects against the official v1 CRD schemas (tests/data).

kubernetes-validate only knows the core types. The CRD schemas are structural OpenAPI v3: the
API server prunes unknown fields there, while `kubectl --validate=strict` (server-side field
validation) refuses them, so every object schema without its own `additionalProperties` or
`x-kubernetes-preserve-unknown-fields` is closed here. `metadata` is checked against the
Kubernetes ObjectMeta schema that kubernetes-validate ships.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from kubernetes_validate import utils
from referencing import Registry, Resource

DATA = Path(__file__).parent / "data" / "gateway-api"
API_VERSION = "gateway.networking.k8s.io/v1"
KINDS = {"HTTPRoute": "httproute-v1.json", "Gateway": "gateway-v1.json"}
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _closed(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = _closed(json.loads((DATA / KINDS[kind]).read_text()))
    schema = copy.deepcopy(schema)
    version = utils.latest_version()
    definitions = utils.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version)
    schema["properties"]["metadata"] = {"$ref": f"{definitions['$id']}#/$defs/{OBJECT_META}"}
    registry = Resource.from_contents(definitions) @ Registry()
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def handles(obj: dict[str, Any]) -> bool:
    return str(obj.get("apiVersion", "")).startswith("gateway.networking.k8s.io/")


def errors(obj: dict[str, Any]) -> list[str]:
    """Every schema error of one Gateway API object."""
    kind = obj.get("kind", "?")
    name = f"{kind}/{obj.get('metadata', {}).get('name', '?')}"
    if obj.get("apiVersion") != API_VERSION or kind not in KINDS:
        return [f"{name}: no schema for {obj.get('apiVersion')} {kind}"]
    validator = _validator(kind)
    return [
        f"{name}: {'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]
