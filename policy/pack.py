"""CrossGuard adapters: one Pulumi policy per plain rule of `policy.rules`.

The pack's configuration feeds the rule context: `prod`, `allowExternalServices`,
`topologySpread` and `automountComponents` per policy. `python -m tools.policy_config STACK`
writes it from the stack config, for `pulumi preview --policy-pack policy --policy-pack-config FILE`.
`prod` is the stack's `environment: prod` (unless it acknowledges `protectData`, docs/prod-safety.md);
a resource's own `protect` option also marks it as production data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .rules import (
    ORCHESTRATED_API_CLIENTS,
    RULES,
    Rule,
    RuleContext,
    StackResource,
    context_from_pack_config,
    for_resource,
    unwrap,
)

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "prod": {"type": "boolean", "default": False},
        "allowExternalServices": {"type": "boolean", "default": False},
        "topologySpread": {"type": "boolean", "default": False},
        "automountComponents": {
            "type": "array",
            "items": {"type": "string"},
            "default": sorted(ORCHESTRATED_API_CLIENTS),
        },
    }
)

_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def context(config: Mapping[str, Any]) -> RuleContext:
    return context_from_pack_config(config)


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if rule.types and args.resource_type not in rule.types:
            return
        protect = bool(getattr(args.opts, "protect", False)) if args.opts is not None else False
        ctx = for_resource(context(args.get_config()), protect)
        for message in rule.check(args.resource_type, unwrap(args.props), ctx):  # type: ignore[call-arg, arg-type]
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.enforcement],
        config_schema=CONFIG_SCHEMA,
    )


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [
            StackResource(
                type=r.resource_type,
                props=unwrap(r.props),
                urn=r.urn,
                name=r.name,
                protect=bool(getattr(r.opts, "protect", False)) if r.opts is not None else False,
                # PolicyResource lists its dependencies as resources; the rules link them by URN.
                dependencies=tuple(d.urn for d in (r.dependencies or ())),
            )
            for r in args.resources
        ]
        for message in rule.check(resources, context(args.get_config())):  # type: ignore[call-arg, arg-type]
            report_violation(message, None)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.enforcement],
        config_schema=CONFIG_SCHEMA,
    )


def build_policies() -> list[Policy]:
    return [_stack_policy(r) if r.kind == "stack" else _resource_policy(r) for r in RULES]
