"""The steps `pulumi up` would take from one program run to the next.

Replays the parts of the engine and the providers that decide what happens to a resource, since
neither runs here:

- which step (pulumi/pulumi pkg/resource/deploy/step_generator.go): a resource only in the new
  run is created, one only in the old run deleted; one in both is diffed by its provider, and a
  replacement stops the update where the resource is protected;
- the provider's diff: pulumi-kubernetes' force-new rules (kubernetes_rules.py), the AWS and
  random providers' (aws_rules.py), the resource's own replaceOnChanges and ignoreChanges;
- a provider whose cluster may have changed is replaced, and with it every resource it manages;
- dependent replacement (step_generator.go, calculateDependentReplacements): a resource replaced
  delete-first takes down, before it, every resource that transitively depends on it in the old
  state and whose provider, handed its inputs with the values that came from a doomed resource
  made unknown, answers "replace".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import aws_rules, kubernetes_rules
from .model import Resource, stackless
from .paths import UNKNOWN, Change, changes, parse, show, touches, under
from .stateful import holds_data

Op = Literal["same", "create", "update", "replace", "delete"]
# ok: nothing is lost; loss: data goes with the step; stopped: protection (or a retained object
# still holding the name) makes `pulumi up` fail at this step; retained: Pulumi lets go and the
# object stays where it is.
Outcome = Literal["ok", "loss", "stopped", "retained"]

_KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"
_AWS_PROVIDER = "pulumi:providers:aws"


@dataclass
class Step:
    key: str
    urn: str
    type: str
    name: str
    op: Op
    why: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    # Options of the resource in the old state: those are what the engine enforces on a delete.
    protect: bool = False
    retain_on_delete: bool = False
    holds_data: str | None = None
    # The object's own kind and name, for Kubernetes objects.
    kind: str = ""
    object_name: str = ""

    @property
    def outcome(self) -> Outcome:
        if self.op not in ("replace", "delete"):
            return "ok"
        if self.protect:
            return "stopped"
        if self.retain_on_delete:
            # Kept, but the replacement is created under the same name: the API server refuses it.
            return "stopped" if self.op == "replace" and self.delete_before_replace else "retained"
        return "loss" if self.holds_data else "ok"

    def describe(self) -> str:
        what = f"{self.kind} {self.object_name}" if self.kind else f"{self.type} {self.name}"
        why = f" ({'; '.join(self.why)})" if self.why else ""
        return f"{self.op} {what}{why}"


@dataclass
class Plan:
    steps: list[Step]

    def by_op(self, *ops: Op) -> list[Step]:
        return [s for s in self.steps if s.op in ops]

    def changed(self) -> list[Step]:
        return [s for s in self.steps if s.op != "same"]

    def losses(self) -> list[Step]:
        """Steps that lose data: neither protection stops them nor retention keeps the data."""
        return [s for s in self.steps if s.outcome == "loss"]

    def stopped(self) -> list[Step]:
        """Steps at which `pulumi up` fails: the operation cannot go through in one update."""
        return [s for s in self.steps if s.outcome == "stopped"]

    def retained(self) -> list[Step]:
        return [s for s in self.steps if s.outcome == "retained"]

    def replaced(self, *kinds: str) -> list[Step]:
        """Replaced resources; with kinds, only Kubernetes objects of those kinds."""
        return [s for s in self.steps if s.op == "replace" and (not kinds or s.kind in kinds)]

    def find(self, kind: str, object_name: str) -> Step:
        found = [s for s in self.steps if s.kind == kind and s.object_name == object_name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps for {kind} {object_name}")
        return found[0]

    def table(self) -> str:
        rows = [f"{s.outcome:8} {s.describe()}" for s in self.steps if s.op != "same"]
        return "\n".join(rows) if rows else "no changes"


def _kubernetes_flags(resources: Iterable[Resource], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for r in resources:
        if r.type == _KUBERNETES_PROVIDER:
            flags = {k: r.inputs.get(k) for k in (kubernetes_rules.SECRET_MUTABLE, kubernetes_rules.CONFIG_MAP_MUTABLE)}
    return {**flags, **(overrides or {})}


def _aws_rules(typ: str) -> list[tuple[str | int, ...]]:
    entry = aws_rules.FORCE_NEW.get(typ)
    return [] if entry is None else [parse(p) for p in entry[1]]


def _kept_when_omitted(typ: str, change: Change) -> bool:
    """An optional, provider-computed input the program stops sending keeps the live value. Not
    a name: Pulumi auto-names a resource whose name is left out, and the new name replaces it."""
    kept = aws_rules.KEEPS_STATE_WHEN_OMITTED.get(typ, ())
    return change.new is None and show(change.path) in kept and change.path[-1] not in ("name", "namePrefix")


def _provider_diff(
    old: Resource, new_inputs: dict[str, Any], flags: dict[str, Any], ignore: tuple[str, ...], roc: tuple[str, ...]
) -> tuple[list[Change], list[str], bool]:
    """(changes, why a replacement, delete first) as the resource's provider and options decide."""
    found = changes(old.inputs, new_inputs)
    ignored = [parse(p) for p in ignore]
    found = [c for c in found if not any(under(c.path, p) for p in ignored)]
    if not found:
        return [], [], False
    why: list[str] = []
    delete_first = False
    if old.type.startswith("kubernetes:"):
        paths = kubernetes_rules.replace_reasons(old.inputs, found, flags)
        why = [show(p) for p in paths]
        delete_first = bool(why) and kubernetes_rules.deletes_first(old.inputs, new_inputs)
    elif old.type.startswith("random:"):
        # Every input of pulumi-random's resources forces a new value.
        why = [show(c.path) for c in found]
    elif old.type == _AWS_PROVIDER:
        # A provider's resources cannot move to another region: they would all be recreated there.
        why = [show(c.path) for c in found if c.path[:1] == ("region",)]
    elif old.type == _KUBERNETES_PROVIDER:
        why = kubernetes_rules.provider_replaced(old.inputs, new_inputs)
    else:
        rules = _aws_rules(old.type)
        why = [show(c.path) for c in found if any(touches(c, r) for r in rules) and not _kept_when_omitted(old.type, c)]
    roc_paths = [parse(p) for p in roc]
    why += [f"replaceOnChanges {show(c.path)}" for c in found if any(under(c.path, p) for p in roc_paths)]
    return found, sorted(set(why)), delete_first


def _topological(resources: Mapping[str, Resource]) -> list[str]:
    """Keys in an order where every resource comes after what it depends on, ties by key."""
    deps = {k: _dependencies(r) & resources.keys() for k, r in resources.items()}
    ordered: list[str] = []
    done: set[str] = set()
    pending = sorted(resources)
    while pending:
        ready = [k for k in pending if deps[k] <= done]
        if not ready:  # a cycle cannot be registered; keep going deterministically anyway
            ready = pending[:1]
        for k in ready:
            ordered.append(k)
            done.add(k)
        pending = [k for k in pending if k not in done]
    return ordered


def _dependencies(r: Resource) -> set[str]:
    """What the engine's dependency graph counts for `r` (resource.State.GetAllDependencies,
    without the parent edge, which DependingOn leaves out here): dependsOn and property
    dependencies, deletedWith, and the provider."""
    found = {stackless(u) for u in r.depends_on}
    for urns in r.property_dependencies.values():
        found |= {stackless(u) for u in urns}
    if r.deleted_with:
        found.add(stackless(r.deleted_with))
    if r.provider_key:
        found.add(r.provider_key)
    return found


def _dependents(root: str, old: Mapping[str, Resource], order: list[str]) -> list[str]:
    doomed = {root}
    found = []
    for key in order:
        if key in doomed:
            continue
        if _dependencies(old[key]) & doomed:
            doomed.add(key)
            found.append(key)
    return found


def _requires_replacement(r: Resource, replace_set: set[str], flags: dict[str, Any]) -> str | None:
    """step_generator.go requiresReplacement: why `r` must go with the replace set, or None."""
    if not r.custom:
        return None
    if r.provider_key in replace_set:
        return "its provider is replaced"
    unknown = sorted(key for key, urns in r.property_dependencies.items() if {stackless(u) for u in urns} & replace_set)
    if not unknown:
        return None
    inputs = {k: (UNKNOWN if k in unknown else v) for k, v in r.inputs.items()}
    _, why, _ = _provider_diff(r, inputs, flags, r.ignore_changes, r.replace_on_changes)
    return f"takes {', '.join(unknown)} from a resource deleted first ({', '.join(why)})" if why else None


def diff(
    before: Iterable[Resource],
    after: Iterable[Resource],
    kubernetes_flags: Mapping[str, Any] | None = None,
) -> Plan:
    old = {r.key: r for r in before}
    new = {r.key: r for r in after}
    flags = _kubernetes_flags(new.values(), kubernetes_flags)
    steps: dict[str, Step] = {}

    def step(key: str, op: Op, why: list[str] | None = None, delete_first: bool = False) -> Step:
        r = new.get(key) or old[key]
        was = old.get(key)
        obj = r.inputs if r.type.startswith("kubernetes:") else {}
        return Step(
            key=key,
            urn=r.urn,
            type=r.type,
            name=r.name,
            op=op,
            why=list(why or []),
            delete_before_replace=delete_first,
            protect=was.protect if was else False,
            retain_on_delete=was.retain_on_delete if was else False,
            holds_data=holds_data(was or r),
            kind=str(obj.get("kind", "")) if r.custom else "",
            object_name=str((obj.get("metadata") or {}).get("name", "")),
        )

    replaced_providers: set[str] = set()
    for key in sorted(set(old) | set(new), key=lambda k: (not k.split("::")[-2].startswith("pulumi:providers"), k)):
        if key not in old:
            steps[key] = step(key, "create")
            continue
        if key not in new:
            steps[key] = step(key, "delete")
            continue
        o, n = old[key], new[key]
        if not o.custom:
            steps[key] = step(key, "same")
            continue
        if o.provider_key and o.provider_key in replaced_providers:
            steps[key] = step(key, "replace", ["its provider is replaced"], delete_first=False)
            continue
        found, why, delete_first = _provider_diff(o, n.inputs, flags, n.ignore_changes, n.replace_on_changes)
        if why:
            steps[key] = step(key, "replace", why, delete_first or n.delete_before_replace)
            if o.type.startswith("pulumi:providers:"):
                replaced_providers.add(key)
        else:
            steps[key] = step(key, "update" if found else "same")

    order = _topological(old)
    for root in [k for k in order if steps[k].op == "replace" and steps[k].delete_before_replace]:
        replace_set = {root}
        for key in _dependents(root, old, order):
            reason = _requires_replacement(old[key], replace_set, flags)
            if reason is None:
                continue
            replace_set.add(key)
            current = steps[key]
            if current.op in ("same", "update", "replace"):
                current.op = "replace"
                current.why.append(f"{reason}: {steps[root].describe()}")
                # The engine deletes it before the root it depends on.
                current.delete_before_replace = True
    return Plan([steps[k] for k in sorted(steps)])
