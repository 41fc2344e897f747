"""The configuration reference (docs/configuration.md), generated from the pydantic models of the stack config.

`python -m tools.config_reference` prints it; `--write` replaces the block between the
config-reference markers of docs/configuration.md; `--check` exits 1 when that block is out of
date (tests/test_readme_reference.py runs it, so the reference always matches the models).
Requests and limits, the same four keys under every component, are one table per section with
one row per component rather than four rows each.

Everything comes from the code: keys (camelCase aliases), types and constraints (annotations,
Field constraints, the validators of config/base.py), defaults (model defaults, overlaid with
config/defaults.py per environment and per mode), descriptions (each field's docstring, which
pydantic reads with `use_attribute_docstrings`) and the secret keys (config/secrets.py). Only the
sections' introductions and when each secret is required are written here.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config import defaults as env_defaults
from config import secrets as secret_specs
from config.pods import KubernetesObject, PodSettings
from config.stack import StackConfig

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"

# The value types of config/base.py, known by their validator.
_VALIDATOR_TYPES = {
    "_dns_label": "DNS label (RFC 1123, at most 63 characters)",
    "_aws_region": "AWS region (those the pinned pulumi-aws knows)",
    "cron_expression": "five-field cron expression",
    "qualified_name": "Kubernetes qualified name (`[prefix/]name`)",
    "label_value": "Kubernetes label value",
    "annotation_key": "annotation key (`[prefix/]name`)",
    "volume_size": "Kubernetes quantity, whole bytes (`10Gi`)",
    "data_volume_size": "Kubernetes quantity, whole bytes, at least `1Gi`",
    "_dns_subdomain": "DNS subdomain (RFC 1123)",
    "_hostname": "fully qualified host name",
    "_image_tag": "image tag (not `latest`)",
    "_image_repository": "image repository (no tag)",
    "_namespace": "DNS label (RFC 1123, at most 63 characters; not `default` or `kube-*`)",
    "_quantity": "Kubernetes quantity (`500m`, `4Gi`)",
    "_host": "host name or IP address",
    "_host_port": "`HOST:PORT` (port 1-65535)",
    "_http_url": "http(s) URL (scheme, host, port 1-65535)",
    "_region": "region name (`eu-central-1`)",
    "_registry_host": "registry host (`HOST` or `HOST:PORT`)",
    "_bucket": "bucket name (S3 rules, 3-63 characters)",
    "_tag_key": "tag key (1-128 characters, no `aws:` prefix)",
    "_tag_value": "tag value (at most 256 characters)",
}

_Missing = object()


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    description: str


# The introduction of each section, above its table.
SECTION_INTROS: dict[str, str] = {
    "cluster": "Deploy into a cluster that exists, or create the VPC, EKS cluster, nodes and add-ons first (docs/eks.md).",
    "kubernetes": "Where and how the Studio objects land in the cluster.",
    "studio": "The Studio application: web client, backend, database migration, Keycloak, event ingestion.",
    "modelService": 'The services that train and run assistants for "try your assistant".',
    "kafka": "The Kafka cluster Studio's event ingestion (and the orchestrated model services) use.",
    "database": "The PostgreSQL server holding the `studio`, `keycloak` (and `modelservice`) databases.",
    "objectStorage": "The bucket trained models are kept in.",
    "aws": "Account-side facts the AWS-managed backing services are placed into (staging, prod).",
    "passwordRotation": "Counters that rotate the generated passwords: raise one by 1 and `pulumi up` (docs/operations.md#rotating-passwords).",
}

# The "Required" column of the secrets table.
SECRET_REQUIRED_WHEN: dict[str, str] = {
    "rasaProLicense": "yes",
    "registryPassword": "when `studio.pullSecret.create` (default)",
    "openaiApiKey": "when the assistants call OpenAI",
    "databasePassword": "no: generated once and kept",
    "keycloakAdminPassword": "with `studio.keycloak.external`; otherwise no: generated once and kept",
    "keycloakApiPassword": "with `studio.keycloak.external`; otherwise no: generated once and kept",
    "kafkaPassword": "no: generated once and kept",
}


# --- Descriptions: each field's docstring (Model sets use_attribute_docstrings) ----------------


def _description(field: FieldInfo) -> str:
    return (field.description or "").replace("|", "\\|").replace("\n", " ")


# --- Types --------------------------------------------------------------------------------


def _constraints(metadata: list[Any]) -> tuple[list[str], str | None]:
    """(constraints such as '>= 1', the name of a value type of config/base.py)."""
    found: list[str] = []
    named: str | None = None
    for item in metadata:
        if isinstance(item, FieldInfo):
            more, inner = _constraints(list(item.metadata))
            found += more
            named = named or inner
        elif isinstance(item, AfterValidator):
            named = _VALIDATOR_TYPES.get(getattr(item.func, "__name__", ""), named)
        elif isinstance(item, annotated_types.Ge):
            found.append(f">= {item.ge}")
        elif isinstance(item, annotated_types.Le):
            found.append(f"<= {item.le}")
        elif isinstance(item, annotated_types.Gt):
            found.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Lt):
            found.append(f"< {item.lt}")
        elif isinstance(item, annotated_types.MinLen):
            found.append(f"length >= {item.min_length}")
        elif isinstance(item, annotated_types.MaxLen):
            found.append(f"length <= {item.max_length}")
        elif getattr(item, "pattern", None):
            found.append(f"matches `{item.pattern}`")
        elif getattr(item, "min_length", None) is not None:
            found.append(f"length >= {item.min_length}")
    return found, named


def _strip_none(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) < len(typing.get_args(annotation)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True  # noqa: UP007
    return annotation, False


def _unannotated(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation, metadata = args[0], [*metadata, *args[1:]]
    return annotation, metadata


def type_name(annotation: Any, metadata: list[Any] | None = None) -> str:
    """A short human name of a field type, with its constraints."""
    annotation, _ = _strip_none(annotation)
    annotation, inner = _unannotated(annotation)
    constraints, named = _constraints([*(metadata or []), *inner])
    origin = typing.get_origin(annotation)
    if origin is Literal:
        name = "one of " + ", ".join(f"`{json.dumps(v)}`" for v in typing.get_args(annotation))
    elif origin is list:
        name = f"list of {type_name(typing.get_args(annotation)[0])}"
    elif origin is dict:
        key, value = typing.get_args(annotation)
        name = f"map of {type_name(key)} to {type_name(value)}"
    elif named is not None:
        name = named
    elif isinstance(annotation, type) and issubclass(annotation, KubernetesObject):
        name = f"Kubernetes `{annotation.kind}`"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = "object"
    else:
        name = {str: "string", int: "integer", bool: "boolean", float: "number"}.get(annotation, str(annotation))
    if constraints:
        name += " (" + ", ".join(constraints) + ")"
    return name.replace("|", "\\|")


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model class a field holds (if it holds exactly one model), and whether it may be null.

    Models that mirror a Kubernetes type are values here: Kubernetes documents their fields.
    """
    annotation, optional = _strip_none(annotation)
    annotation, _ = _unannotated(annotation)
    if (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and not issubclass(annotation, KubernetesObject)
    ):
        return annotation, optional
    return None, optional


def _union_members(annotation: Any) -> list[type[BaseModel]]:
    annotation, _ = _unannotated(annotation)
    members = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
    return members if len(members) > 1 else []


def _tag(model: type[BaseModel], discriminator: str) -> str:
    (value,) = typing.get_args(model.model_fields[discriminator].annotation)
    return str(value)


# --- Defaults -----------------------------------------------------------------------------


def _lookup(tree: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return _Missing
        tree = tree[part]
    return tree


def show(value: Any) -> str:
    if value is _Missing:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return "present (keys below)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{json.dumps(value, sort_keys=True)}`"


def _model_default(field: FieldInfo) -> Any:
    if field.default is not PydanticUndefined:
        return field.default
    if field.default_factory is not None:
        return field.default_factory()  # type: ignore[call-arg]
    return _Missing


def _default(section: str | None, tag: str | None, path: list[str], field: FieldInfo) -> str:
    """The default of one key, per environment (and per tag where the tag changes it)."""
    base = _model_default(field)
    tags: list[str | None] = [tag]
    discriminator = env_defaults.DISCRIMINATORS.get(section or "")
    if tag is None and section is not None and discriminator and section == "modelService":
        # modelService is not a union: its defaults still depend on `architecture`.
        tags = [t for (s, t) in next(iter(env_defaults.MODE_DEFAULTS.values())) if s == section]
    values: dict[tuple[str, str | None], Any] = {}
    for env in env_defaults.ENVIRONMENTS:
        for each in tags:
            value = _Missing
            if section is not None and each is not None:
                value = _lookup(env_defaults.MODE_DEFAULTS[env].get((section, each), {}), path[1:])
            if value is _Missing:
                value = _lookup(env_defaults.SECTION_DEFAULTS[env], path)
            values[(env, each)] = base if value is _Missing else value
    shown = {k: show(v) for k, v in values.items()}
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    by_tag = {t: {shown[(e, t)] for e in env_defaults.ENVIRONMENTS} for t in tags}
    if len(tags) > 1 and all(len(v) == 1 for v in by_tag.values()):
        return "; ".join(f"{discriminator} {t}: {next(iter(v))}" for t, v in by_tag.items())
    by_env = {e: {shown[(e, t)] for t in tags} for e in env_defaults.ENVIRONMENTS}
    if all(len(v) == 1 for v in by_env.values()):
        return "; ".join(f"{e}: {next(iter(v))}" for e, v in by_env.items())
    return "; ".join(f"{e}, {discriminator} {t}: {shown[(e, t)]}" for (e, t) in shown)


# --- Rows ---------------------------------------------------------------------------------


# Every workload takes the same pod settings; they are described once, here.
POD_DEFAULTS = "kubernetes.podDefaults"


def _pod_setting_row(dotted: str, key: str, field: FieldInfo) -> Row:
    return Row(
        dotted, type_name(field.annotation), "unset", f"This workload's own value, on top of `{POD_DEFAULTS}.{key}`."
    )


def rows(
    model: type[BaseModel], path: list[str], section: str | None, tag: str | None, skip: str | None = None
) -> Iterator[Row]:
    # A workload's pod settings link to their one full description under kubernetes.podDefaults.
    shared = (
        set(PodSettings.model_fields) if issubclass(model, PodSettings) and ".".join(path) != POD_DEFAULTS else set()
    )
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key == skip:
            continue
        here = [*path, key]
        dotted = ".".join(here)
        if name in shared:
            yield _pod_setting_row(dotted, key, field)
            continue
        child, optional = _model_of(field.annotation)
        description = _description(field)
        members = _union_members(field.annotation)
        if members:
            yield from _union_rows(members, field, here, section, tag, description)
            continue
        if child is not None:
            if optional:
                yield Row(dotted, "object or null", _default(section, tag, here, field), description)
            yield from rows(child, here, section, tag)
            continue
        annotation, _ = _strip_none(field.annotation)
        annotation, _ = _unannotated(annotation)
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            item_model, _ = _model_of(item)
            if item_model is not None:
                yield Row(dotted, "list of objects", _default(section, tag, here, field), description)
                yield from rows(item_model, [*here[:-1], f"{key}[]"], section, tag)
                continue
        yield Row(
            dotted, type_name(field.annotation, list(field.metadata)), _default(section, tag, here, field), description
        )


def _union_rows(
    members: list[type[BaseModel]],
    field: FieldInfo,
    here: list[str],
    section: str | None,
    tag: str | None,
    description: str,
) -> Iterator[Row]:
    """A union inside a section (assistant.lockStore): its discriminator, then each member's keys."""
    discriminator = field.discriminator if isinstance(field.discriminator, str) else "mode"
    tags = [_tag(m, discriminator) for m in members]
    default = field.default
    shown = f"`{getattr(default, discriminator)}`" if isinstance(default, BaseModel) else "required"
    yield Row(".".join([*here, discriminator]), " or ".join(f"`{t}`" for t in tags), shown, description)
    for member, each in zip(members, tags, strict=True):
        for row in rows(member, here, section, tag, skip=discriminator):
            yield replace(row, description=f"With `{discriminator}: {each}`. {row.description}".rstrip())


RESOURCE_FIELDS = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def _resources_of(key: str) -> str | None:
    """`studio.backend.resources` for `studio.backend.resources.limits.cpu`, else None."""
    for leaf in RESOURCE_FIELDS:
        if key.endswith(f".{leaf}"):
            return key[: -len(leaf) - 1]
    return None


def _table(items: list[Row]) -> list[str]:
    groups: dict[str, dict[str, Row]] = {}
    for r in items:
        group = _resources_of(r.key)
        if group is not None:
            groups.setdefault(group, {})[r.key[len(group) + 1 :]] = r
    # The optional parent row of a requests/limits group ("object or null") folds into its row.
    parents = {r.key: r for r in items if r.key in groups}
    plain = [r for r in items if r.key not in parents and _resources_of(r.key) is None]
    lines = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    lines += [f"| `{r.key}` | {r.type} | {r.default} | {r.description} |" for r in plain]
    if groups:
        lines += [
            "",
            "Requests and limits (Kubernetes quantities: CPU `500m`, `2`; memory `512Mi`, `4Gi`; unset: the",
            "component's built-in value), one row per component; each column is a key under the row's key.",
            "",
            f"| Key | {' | '.join(f'`{f}`' for f in RESOURCE_FIELDS)} | Description |",
            f"|---|{'---|' * len(RESOURCE_FIELDS)}---|",
        ]
        for group, fields in groups.items():
            cells = " | ".join(fields[f].default if f in fields else "n/a" for f in RESOURCE_FIELDS)
            parent = parents.get(group)
            lines.append(f"| `{group}` | {cells} | {parent.description if parent else ''} |")
    return lines


def generate() -> str:
    """The Markdown of the whole reference (without the markers)."""
    out = [
        "<!-- Generated by `python -m tools.config_reference --write` from config/*.py and",
        "     tools/config_reference.py; edit those, not this block. -->",
        "",
        "Keys are set under the `rasa-studio:` namespace of `Pulumi.<stack>.yaml` (for example",
        "`rasa-studio:modelService:` with `assistants: 6` below it) or with",
        "`pulumi config set --path 'modelService.assistants' 6`. Unknown keys are errors.",
        "Where a default differs by `environment` (or by `mode`/`architecture`), each value is listed.",
        "",
    ]
    top: list[Row] = []
    sections: list[tuple[str, FieldInfo]] = []
    for name, field in StackConfig.model_fields.items():
        key = field.alias or name
        model, _ = _model_of(field.annotation)
        if model is None and not _union_members(field.annotation):
            top.extend(rows_for_scalar(key, name, field))
        else:
            sections.append((key, field))
    out += ["### Top-level keys", "", *_table(top), ""]
    for key, field in sections:
        out += [f"### `{key}`", ""]
        intro = SECTION_INTROS.get(key) or _description(field)
        if intro:
            out += [intro, ""]
        members = _union_members(field.annotation)
        if members:
            discriminator = field.discriminator if isinstance(field.discriminator, str) else "mode"
            tags = [_tag(m, discriminator) for m in members]
            mode_default = _default(key, None, [key, discriminator], field)
            out += [
                f"`{key}.{discriminator}` ({', '.join(f'`{t}`' for t in tags)}) picks the implementation; "
                f"default {mode_default}. Each {discriminator} accepts only its own keys:",
                "",
            ]
            for member, tag in zip(members, tags, strict=True):
                out += [f"#### `{key}.{discriminator}: {tag}`", ""]
                out += [*_table(list(rows(member, [key], key, tag, skip=discriminator))), ""]
        else:
            model, optional = _model_of(field.annotation)
            assert model is not None
            items = list(rows(model, [key], key, None))
            if optional:
                description = _description(field)
                items.insert(0, Row(key, "object or null", _default(key, None, [key], field), description))
            out += [*_table(items), ""]
    out += ["### Secrets", "", *_secrets(), ""]
    return "\n".join(out).rstrip() + "\n"


def _name_of(key: str) -> str:
    return next(n for n, f in StackConfig.model_fields.items() if (f.alias or n) == key)


def rows_for_scalar(key: str, name: str, field: FieldInfo) -> list[Row]:
    return [
        Row(
            key,
            type_name(field.annotation, list(field.metadata)),
            _default(None, None, [key], field),
            _description(field),
        )
    ]


def _secrets() -> list[str]:
    lines = [
        "Top-level keys that are only ever Pulumi secrets (`pulumi config set --secret`): never in",
        "the plain config, the rendered manifests or the logs. A secret stored in plain text is an error.",
        "",
        "| Key | What | Required | How to set |",
        "|---|---|---|---|",
    ]
    for spec in secret_specs.ALL:
        required = SECRET_REQUIRED_WHEN.get(spec.key, "no")
        lines.append(
            f"| `{spec.key}` | {spec.description} | {required} | `{secret_specs.set_command(spec, '<stack>')}` |"
        )
    return lines


# --- docs/configuration.md ------------------------------------------------------------------


def splice(document: str, reference: str) -> str:
    """`document` with the block between the markers replaced by `reference`."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{REFERENCE.name} has no {START} ... {END} block")
    return document[: start + len(START)] + "\n" + reference + document[end:]


def main(argv: list[str]) -> int:
    reference = generate()
    if not argv:
        sys.stdout.write(reference)
        return 0
    if argv not in (["--write"], ["--check"]):
        print("usage: python -m tools.config_reference [--write | --check]", file=sys.stderr)
        return 2
    current = REFERENCE.read_text()
    wanted = splice(current, reference)
    if argv == ["--check"]:
        if current != wanted:
            print(
                "docs/configuration.md: the configuration reference is out of date; "
                "run: python -m tools.config_reference --write"
            )
            return 1
        return 0
    if current != wanted:
        REFERENCE.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
