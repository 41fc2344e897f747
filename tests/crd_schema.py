"""Strict validation of Gateway API objects against the official v1 CRD schemas (tests/data).

kubernetes-validate only knows the core types. The checks follow what the API server does with a
custom resource:
- the structural OpenAPI v3 schema. The API server prunes unknown fields there, while
  `kubectl --validate=strict` (server-side field validation) refuses them, so every object schema
  without its own `additionalProperties` or `x-kubernetes-preserve-unknown-fields` is closed
  here; `metadata` is checked against the ObjectMeta schema kubernetes-validate ships;
- then the schema's defaults, and the CRD's CEL rules (`x-kubernetes-validations`) on the
  defaulted object, evaluated by cel-python (a CEL implementation independent of Kubernetes').
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import celpy
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
    schema = _closed(_schema(kind))
    schema = copy.deepcopy(schema)
    version = utils.latest_version()
    definitions = utils.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version)
    schema["properties"]["metadata"] = {"$ref": f"{definitions['$id']}#/$defs/{OBJECT_META}"}
    registry = Resource.from_contents(definitions) @ Registry()
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@cache
def _schema(kind: str) -> dict[str, Any]:
    """The CRD's schema, read once; callers only read it (_validator closes a deep copy)."""
    schema: dict[str, Any] = json.loads((DATA / KINDS[kind]).read_text())
    return schema


def _defaulted(schema: dict[str, Any], value: Any) -> Any:
    """The object as the API server stores it: absent fields with a schema `default` filled in."""
    if isinstance(value, dict):
        found = dict(value)
        for key, sub in schema.get("properties", {}).items():
            if key not in found and "default" in sub:
                found[key] = copy.deepcopy(sub["default"])
            if key in found:
                found[key] = _defaulted(sub, found[key])
        return found
    if isinstance(value, list) and "items" in schema:
        return [_defaulted(schema["items"], v) for v in value]
    return value


_CEL = celpy.Environment()


@cache
def _rule(source: str) -> Any:
    return _CEL.program(_CEL.compile(source))


@cache
def _holds(source: str, value_json: str) -> bool | str:
    """A rule's verdict on a value (given as canonical JSON), or why it could not be evaluated.

    Cached: the same routes and listeners come back in many tests, and celpy's interpreter is
    slow enough that evaluating them again was a tenth of the suite's time outside the runs.
    """
    try:
        return bool(_rule(source).evaluate({"self": celpy.json_to_cel(json.loads(value_json))}))
    except Exception as exc:  # an unevaluable rule must not pass silently
        return str(exc)


def _cel_errors(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    found = []
    rules = schema.get("x-kubernetes-validations", [])
    value_json = json.dumps(value, sort_keys=True) if rules else ""
    for rule in rules:
        verdict = _holds(rule["rule"], value_json)
        if isinstance(verdict, str):
            found.append(f"{path or '<root>'}: rule {rule['rule']!r} could not be evaluated: {verdict}")
        elif not verdict:
            found.append(f"{path or '<root>'}: {rule.get('message', rule['rule'])}")
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                found += _cel_errors(sub, value[key], f"{path}.{key}".lstrip("."))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += _cel_errors(schema["items"], item, f"{path}.{i}".lstrip("."))
    return found


def handles(obj: dict[str, Any]) -> bool:
    return str(obj.get("apiVersion", "")).startswith("gateway.networking.k8s.io/")


def errors(obj: dict[str, Any]) -> list[str]:
    """Every schema error of one Gateway API object."""
    kind = obj.get("kind", "?")
    name = f"{kind}/{obj.get('metadata', {}).get('name', '?')}"
    if obj.get("apiVersion") != API_VERSION or kind not in KINDS:
        return [f"{name}: no schema for {obj.get('apiVersion')} {kind}"]
    validator = _validator(kind)
    found = [
        f"{name}: {'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if found:
        # CEL rules assume the schema holds (types, required fields).
        return found
    schema = _schema(kind)
    return [f"{name}: {e}" for e in _cel_errors(schema, _defaulted(schema, obj), "")]
