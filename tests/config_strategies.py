"""Hypothesis strategies for stack configs, derived from the config models.

Every leaf key of `StackConfig` (under every `mode` of the backing sections) is found by walking
the pydantic models, so a field added to a model is fuzzed without touching this file. Values
come from the field's type: its bounds and a little beyond, its Literal values and a wrong one,
good and bad examples of the value types of config/base.py, text for everything else.
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from config.stack import StackConfig

# Good and bad examples per validator of config/base.py (and the models), by function name.
EXAMPLES: dict[str, list[Any]] = {
    "_quantity": ["500m", "2", "1Gi", "0.5", "1e3", "64Mi", 4, "1.2.3", ".", "-1", "1KMGTP", "0", "1e400", "2Gb"],
    "_host": ["db.example.com", "10.0.0.5", "postgres", "2001:db8::1", " ", "a b", "db:5432", "https://db"],
    "_host_port": ["kafka-1.example.com:9096", "10.0.0.7:9092", "[2001:db8::1]:9092", "k:0", "k:99999", "k", " :1"],
    "_http_url": ["https://s3.example.com", "http://minio:9000", "https://s3.example.com:99999", "s3.example.com"],
    "_region": ["eu-central-1", "us-east-1", "auto", "us east 1", "EU", ""],
    "_namespace": ["rasa-studio", "studio-prod", "kube-system", "default", "kube-x", "Rasa", ""],
    "_dns_label": ["rasa", "ingress-nginx", "UPPER", "-x", "a" * 64],
    "_dns_subdomain": ["gp3", "efs.sc", "EFS", "a..b"],
    "_hostname": ["studio.example.com", "studio", "Studio.example.com", "*.example.com", " "],
    "_image_tag": ["1.7.0", "3.10.4-latest", "latest", "bad tag"],
    "_image_repository": ["registry.example.com/team/image", "Image:tag", "x@sha256"],
    "_registry_host": ["europe-west3-docker.pkg.dev", "registry.example.com:5000", "a b", "r:70000"],
    "_bucket": ["rasa-models", "My_Bucket", "ab", "a" * 64],
    "_tag_key": ["team", "cost-center", "aws:x", "k" * 129, "bad\nkey"],
    "_tag_value": ["studio", "", "v" * 257],
    "_annotation_key": ["nginx.ingress.kubernetes.io/proxy-body-size", "team", "bad key", "a/b/c", "-x"],
    "_cidr": ["10.0.0.0/16", "0.0.0.0/0", "10.0.0.1/8", "nope"],
    "_aws_region": ["eu-central-1", "us-gov-west-1", "eu-centrl-1", "Frankfurt"],
    "cron_expression": ["0 * * * *", "*/15 2-4 * jan-mar mon-fri", "60 * * * *", "every hour", "*/0 * * * *"],
    "qualified_name": ["topology.kubernetes.io/zone", "team", "Example.com/x", "a/b/c", "-x", "x" * 64],
    "label_value": ["studio", "", "-x", "a b", "x" * 64],
    "annotation_key": ["Example.com/Team", "fluentbit.io/parser", "bad key", "example.com/"],
    "field_path": ["metadata.name", "status.podIP", "metadata.labels['team']", "spec.node", "metadata.labels['a b']"],
    "config_key": ["ca.crt", "password", "..x", "a/b", "a b"],
    "csi_driver": ["secrets-store.csi.k8s.io", "Driver", "a b", "d" * 64],
    "descending_path": ["certs", "a/b", "/abs", "../up", "a/../.."],
    "item_path": ["ca.crt", "certs/ca.crt", "..data", "/abs", "a/../b"],
}
JUNK: list[Any] = [None, "", " ", "\"'`$(x)", -1, 0, 2**31, 10**30, 1.5, True, [], {}]


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    annotation: Any
    metadata: tuple[Any, ...]
    # (section, mode) when the leaf belongs to one mode of a discriminated section.
    mode: tuple[str, str] | None = None


def _strip(annotation: Any, metadata: tuple[Any, ...] = ()) -> tuple[Any, tuple[Any, ...]]:
    """Drop Optional and Annotated, keeping their metadata."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            annotation, metadata = base, (*metadata, *extra)
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata


def _models(annotation: Any) -> list[type[BaseModel]]:
    annotation, _ = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _models(a)]
    return []


def leaves(model: type[BaseModel] = StackConfig, prefix: tuple[str, ...] = ()) -> list[Leaf]:
    found: list[Leaf] = []
    for name, field in model.model_fields.items():
        key = (*prefix, field.alias or name)
        members = _models(field.annotation)
        if len(members) == 1:
            found += leaves(members[0], key)
        elif members:
            for member in members:
                tag = typing.get_args(member.model_fields["mode"].annotation)[0]
                found += [
                    Leaf(leaf.path, leaf.annotation, leaf.metadata, (key[0], tag))
                    for leaf in leaves(member, key)
                    if leaf.path[-1] != "mode"
                ]
        else:
            found.append(Leaf(key, field.annotation, tuple(field.metadata)))
    return found


def _bounds(metadata: tuple[Any, ...]) -> tuple[int | None, int | None]:
    low = high = None
    for item in metadata:
        items = item.metadata if isinstance(item, FieldInfo) else [item]
        for m in items:
            if isinstance(m, annotated_types.Ge):
                low = int(m.ge)  # type: ignore[call-overload]
            if isinstance(m, annotated_types.Le):
                high = int(m.le)  # type: ignore[call-overload]
    return low, high


def _validator_names(metadata: tuple[Any, ...]) -> list[str]:
    return [getattr(m.func, "__name__", "") for m in metadata if isinstance(m, AfterValidator)]


def _pattern(metadata: tuple[Any, ...]) -> str | None:
    for item in metadata:
        for m in item.metadata if isinstance(item, FieldInfo) else [item]:
            if getattr(m, "pattern", None):
                return str(m.pattern)
    return None


def values(annotation: Any, metadata: tuple[Any, ...] = ()) -> st.SearchStrategy[Any]:
    annotation, metadata = _strip(annotation, metadata)
    junk = st.sampled_from(JUNK)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return st.one_of(st.sampled_from(typing.get_args(annotation)), st.just("bogus"))
    if annotation is bool:
        return st.one_of(st.booleans(), st.just("yes"))
    if annotation is int:
        low, high = _bounds(metadata)
        low = -2 if low is None else low - 1
        high = low + 10**6 if high is None else high + 1
        return st.one_of(st.integers(low, high), st.integers(low, low + 5), st.sampled_from([high, 2**31, 10**12]))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return st.one_of(st.lists(values(item), max_size=3), junk)
    if origin is dict:
        key, value = typing.get_args(annotation)
        # Mapping keys must be hashable: junk lists and dicts go to the values only.
        keys = values(key).filter(lambda k: not isinstance(k, (list, dict)))
        return st.one_of(st.dictionaries(keys, values(value), max_size=2), junk)
    if annotation is str:
        names = [n for n in _validator_names(metadata) if n in EXAMPLES]
        pattern = _pattern(metadata)
        options: list[st.SearchStrategy[Any]] = [st.text(max_size=12), junk]
        if names:
            options.append(st.sampled_from(EXAMPLES[names[0]]))
        if pattern:
            options.append(st.from_regex(pattern, fullmatch=True))
        return st.one_of(*options)
    return junk


@functools.cache
def _all_leaves() -> tuple[Leaf, ...]:
    return tuple(leaves())


@functools.cache
def _sections() -> tuple[tuple[str, ...], ...]:
    """Every path above a leaf: the mappings of the config."""
    return tuple(sorted({leaf.path[:i] for leaf in _all_leaves() for i in range(1, len(leaf.path))}))


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = target
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value


@st.composite
def patches(draw: st.DrawFn, base: dict[str, Any], max_keys: int = 3) -> dict[str, Any]:
    """A copy of `base` (plain stack values) with 1..max_keys leaf keys set to generated values."""
    result = copy.deepcopy(base)
    if draw(st.integers(0, 9)) == 0:
        # Now and then a whole section of the wrong shape (`kafka: 5`, `studio: []`).
        _set(result, draw(st.sampled_from(_sections())), draw(st.sampled_from(JUNK)))
    for leaf in draw(st.lists(st.sampled_from(_all_leaves()), min_size=1, max_size=max_keys)):
        if leaf.mode is not None:
            section, tag = leaf.mode
            current = result.get(section)
            # Mostly switch the section to the leaf's mode, so the value is checked rather than
            # refused as a key of another mode.
            if draw(st.booleans()) or not isinstance(current, dict):
                result[section] = (
                    {"mode": tag} if not isinstance(current, dict) or current.get("mode") != tag else current
                )
        _set(result, leaf.path, draw(values(leaf.annotation, leaf.metadata)))
    return result
