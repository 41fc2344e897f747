"""Config problems, reported as `rasa-studio:<key path>: <what is wrong>`."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

import pulumi
from pydantic import BaseModel, ValidationError

if typing.TYPE_CHECKING:
    from pydantic_core import ErrorDetails

PROJECT = "rasa-studio"

# Values of the `mode` discriminators. Pydantic puts the chosen tag into an error's location
# (kafka.msk.clusterName); users wrote kafka.clusterName, so the tag is dropped again.
_UNION_TAGS = {"in-cluster", "msk", "external", "rds", "s3", "minio", "in-memory", "elasticache"}
# Where a discriminated union sits: the sections that are one, and assistant.lockStore; a tag only
# ever follows one of them (studio.keycloak.external is a plain key).
_UNION_PATHS = {("kafka",), ("database",), ("objectStorage",), ("assistant", "lockStore")}


def _is_tag(loc: Sequence[object], index: int) -> bool:
    part = loc[index]
    return isinstance(part, str) and part in _UNION_TAGS and tuple(loc[:index]) in _UNION_PATHS


class InvalidKey(ValueError):
    """A value refused at a known sub-path, raised from a model validator (a ValueError, as pydantic expects).

    Pydantic would report a model validator's error at the model's own location; this carries
    the key the user has to change, relative to that model.
    """

    def __init__(self, path: str, message: str, *more: tuple[str, str]) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        # Further (path, message) problems the same check found, each reported on its own line.
        self.more = more


class ConfigError(pulumi.RunError):
    """One or more problems in the stack configuration.

    Raised by the validation pass (config.loader.check) before anything is registered, the pod
    settings that collide with names the program sets on a pod included (components/preflight.py).

    A RunError, so `pulumi up` prints the problems without a Python traceback.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("invalid stack configuration:\n" + "\n".join(self.problems))


def _printable(path: str) -> str:
    # A map key may hold any character; a raw control character (\x1e, \n) would break the
    # one-line-per-problem output, so it is shown escaped, as the reason shows it.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def problem(path: str, message: str) -> str:
    return f"{PROJECT}:{_printable(path)}: {message}"


def _allowed_keys(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _message(err: ErrorDetails, allowed: list[str]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return f"unknown key{hint}"
    if kind == "missing":
        return "is required"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {err.get('input')!r}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {err.get('input')!r}"
    if kind == "union_tag_invalid":
        return f"must be one of {ctx.get('expected_tags')}, got {ctx.get('tag')!r}"
    if kind == "union_tag_not_found":
        return "is required"
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} does not match {ctx.get('pattern')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {err.get('input')!r}"


def _model_at(root: type[BaseModel], loc: Sequence[object]) -> type[BaseModel] | None:
    """The model class that owns the last key of `loc`, for 'did you mean' hints."""
    candidates: list[type[BaseModel]] = [root]
    for index, part in enumerate(list(loc)[:-1]):
        if _is_tag(loc, index):
            # Inside a discriminated union: keep the member whose `mode` is this tag.
            candidates = [m for m in candidates if _tag_of(m) == part] or candidates
            continue
        if len(candidates) != 1:
            return None
        model = candidates[0]
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return None
        candidates = _models_in(field.annotation)
    return candidates[0] if len(candidates) == 1 else None


def _tag_of(model: type[BaseModel]) -> object:
    field = model.model_fields.get("mode")
    args = typing.get_args(field.annotation) if field else ()
    return args[0] if args else None


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def format_validation_error(exc: ValidationError, root: type[BaseModel], prefix: Sequence[str] = ()) -> list[str]:
    problems = []
    for err in exc.errors():
        # "[key]" marks an error in a mapping's key rather than its value; the key itself names it.
        loc = [p if p != "" else '""' for i, p in enumerate(err["loc"]) if not (_is_tag(err["loc"], i) or p == "[key]")]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc.append("mode")
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, InvalidKey):
            for path, message in ((original.path, original.message), *original.more):
                problems.append(problem(".".join(str(p) for p in [*prefix, *loc, *path.split(".")]), message))
            continue
        owner = _model_at(root, err["loc"]) if err["type"] == "extra_forbidden" else None
        message = _message(err, _allowed_keys(owner))
        path = ".".join(str(p) for p in [*prefix, *loc])
        problems.append(problem(path, message))
    return problems
