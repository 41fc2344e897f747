"""Read the stack config from the Pulumi runtime and validate it before any resource exists."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from . import secrets as s
from .defaults import ENVIRONMENTS, apply_defaults
from .errors import PROJECT, ConfigError, format_validation_error, problem
from .k8s_validation import is_label_value
from .previous import Previous
from .stack import StackConfig


@dataclass(frozen=True)
class LoadedConfig:
    config: StackConfig
    secrets: s.Secrets
    # What this stack deployed last (config/previous.py); empty for a first deployment.
    previous: Previous = field(default_factory=Previous)
    # `instance` as configured, else as last deployed, else the stack name.
    instance: str = ""


def read_previous() -> Previous:
    """The stack's own last outputs, through the engine's built-in invoke behind StackReference."""
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    try:
        result = pulumi.runtime.invoke("pulumi:pulumi:readStackOutputs", {"name": name})
    except Exception as exc:  # any failure only means there is nothing to compare with
        pulumi.log.warn(f"could not read this stack's last outputs ({exc}); the day-2 checks are skipped")
        return Previous()
    value = result.value if isinstance(result.value, dict) else {}
    return Previous.from_outputs(value.get("outputs"))


def _all_values() -> dict[str, Any]:
    # The CLI hands config to the program in PULUMI_CONFIG; mocks and the Automation API set it
    # in-process. Both are read so that unknown keys are caught however the program runs.
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


# Namespaces a stack file may hold besides the project's own: the engine's and the providers'
# this program uses (requirements.txt), whose keys configure them, not this program.
ENGINE_NAMESPACE = "pulumi"
PROVIDER_NAMESPACES = ("aws", "kubernetes", "random")


def key_problems(full_keys: Iterable[str], stack: str) -> list[str]:
    """Stack-file keys this program would otherwise never read: another namespace than the
    project's, the engine's and the providers', and dotted keys `pulumi config set` stored flat."""
    found = []
    known = (PROJECT, ENGINE_NAMESPACE, *PROVIDER_NAMESPACES)
    for full_key in sorted(full_keys):
        namespace, sep, key = full_key.partition(":")
        if not sep:
            found.append(f"{full_key}: a stack config key needs a namespace, such as {PROJECT}:{full_key}")
        elif namespace not in known:
            close = difflib.get_close_matches(namespace, known, n=1)
            hint = f"did you mean '{close[0]}:{key}'?" if close else f"namespaces read: {', '.join(known)}"
            found.append(f"{full_key}: unknown namespace {namespace!r}, so nothing reads this key; {hint}")
        elif namespace == PROJECT and "." in key:
            root, _, rest = key.partition(".")
            found.append(
                problem(
                    key,
                    f"a dotted key stored as one flat name (`pulumi config set` without --path); remove it with "
                    f"`pulumi config rm --stack {stack} '{key}'` and run "
                    f"`pulumi config set --path --stack {stack} '{root}.{rest}' <value>`",
                )
            )
    return found


def _secret_keys() -> set[str]:
    return set(runtime_config._SECRET_KEYS.get()) | set(runtime_config.get_config_secret_keys_env())


def _parse(value: Any) -> Any:
    """Structured values arrive as JSON text; plain strings stay strings."""
    if (isinstance(value, str) and value[:1] in ("{", "[")) or value in ("true", "false"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def read_raw() -> tuple[dict[str, Any], set[str], set[str]]:
    """(plain values by key, secret keys that are set, secret keys stored in plain text)."""
    prefix = f"{PROJECT}:"
    secret_keys = _secret_keys()
    plain: dict[str, Any] = {}
    present: set[str] = set()
    leaked: set[str] = set()
    for full_key, value in _all_values().items():
        if not full_key.startswith(prefix) or "." in full_key:
            continue  # other namespaces and dotted keys: reported by key_problems
        key = full_key[len(prefix) :]
        if key in s.KEYS:
            present.add(key)
            if full_key not in secret_keys:
                leaked.add(key)
        else:
            plain[key] = _parse(value)
    return plain, present, leaked


def validate(raw: dict[str, Any]) -> tuple[StackConfig | None, list[str]]:
    """Pure validation of plain config values (no secrets), environment defaults applied."""
    env = raw.get("environment")
    if env is not None and env not in ENVIRONMENTS:
        # Without a known environment there are no defaults, and every defaulted key would be
        # reported missing; check the rest against dev's defaults and report the one real cause.
        _, problems = validate({**raw, "environment": "dev"})
        allowed = ", ".join(repr(e) for e in ENVIRONMENTS)
        return None, [problem("environment", f"must be one of {allowed}, got {env!r}"), *problems]
    try:
        return StackConfig.model_validate(apply_defaults(raw)), []
    except ValidationError as exc:
        return None, format_validation_error(exc, StackConfig)


def named_prod(stack: str) -> bool:
    """A stack whose name says prod (prod, prod-eu, studio-prod, production)."""
    return any(part in ("prod", "production") for part in re.split(r"[-_.]", stack.lower()))


def stack_name_problem(stack: str) -> str | None:
    """Why a stack name cannot be the `app.kubernetes.io/instance` label value of every object.

    Pulumi allows names (`dev_`, `dev.`, up to 100 characters) that Kubernetes refuses as label
    values (IsValidLabelValue); a rewritten name could collide with another stack's, so refuse.
    """
    if is_label_value(stack) and stack:
        return None
    return (
        f"stack {stack!r}: the stack name is the app.kubernetes.io/instance label of every object, so it must be "
        "a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
        "letter or digit; rename the stack (`pulumi stack rename`)"
    )


def stack_problems(stack: str, config: StackConfig) -> list[str]:
    """Rules between the stack's name and its config."""
    named = stack_name_problem(stack)
    if named is not None:
        return [named]
    if named_prod(stack) and config.environment != "prod":
        # Otherwise one changed line (environment) would switch off every prod safety rule.
        return [
            problem(
                "environment",
                f"stack {stack!r} is named prod, so its environment must be prod (and keep prod's safety rules), "
                f"got {config.environment!r}",
            )
        ]
    return []


def required_secrets(config: StackConfig) -> list[s.SecretSpec]:
    needed = [s.RASA_PRO_LICENSE]
    if config.studio.pull_secret is not None and config.studio.pull_secret.create:
        needed.append(s.REGISTRY_PASSWORD)
    if not config.studio.keycloak.in_cluster:
        # Someone else's Keycloak: the backend must log in with the passwords it already has.
        needed += [s.KEYCLOAK_ADMIN_PASSWORD, s.KEYCLOAK_API_PASSWORD]
    return needed


def check(
    stack: str, raw: dict[str, Any], checks: Callable[[StackConfig], list[str]] | None = None
) -> tuple[StackConfig | None, list[str]]:
    """The rules that need no runtime, in order: the models, the stack's name, then `checks`.

    The program (through `load`), the renderer and the tests all validate through here.
    """
    config, problems = validate(raw)
    if config is not None:
        problems = [*problems, *stack_problems(stack, config)]
    if config is not None and checks is not None:
        problems.extend(checks(config))
    return config, problems


def load(
    checks: Callable[[StackConfig], list[str]] | None = None,
    stack: str | None = None,
    history: Callable[[StackConfig, Previous], list[str]] | None = None,
) -> LoadedConfig:
    """Validated config and secrets, or ConfigError listing every problem found.

    `checks` adds problems a valid config can still have against the components' defaults
    (components/preflight.py), `history` those against the stack's last deployment
    (components/day2.py); they run before any resource is registered.
    """
    stack = stack or pulumi.get_stack()
    previous = read_previous() if history is not None else Previous()
    raw, present, leaked = read_raw()
    if not raw and not present:
        # One line, not one "is required" per key: the stack file is empty or holds no `config:`.
        raise ConfigError(
            [f"stack {stack!r} has no {PROJECT} settings: Pulumi.{stack}.yaml is empty or has no `config:` mapping"]
        )
    config, problems = check(stack, raw, checks)
    problems = key_problems(_all_values(), stack) + problems
    if config is not None and history is not None:
        problems.extend(history(config, previous))
    for key in sorted(leaked):
        spec = next(x for x in s.ALL if x.key == key)
        problems.append(problem(key, f"is stored in plain text; remove it and run: {s.set_command(spec, stack)}"))
    if config is not None:
        for spec in required_secrets(config):
            if spec.key not in present:
                problems.append(problem(spec.key, f"{spec.description} is not set; run: {s.set_command(spec, stack)}"))
    if config is not None and config.kafka.mode == "in-cluster" and s.KAFKA_PASSWORD.key in present:
        reason = s.kafka_password_problem(str(_all_values()[f"{PROJECT}:{s.KAFKA_PASSWORD.key}"]))
        if reason is not None:
            problems.append(problem(s.KAFKA_PASSWORD.key, reason))
    if config is not None and config.kubernetes.kubeconfig is not None and s.KUBECONFIG.key in present:
        problems.append(problem(s.KUBECONFIG.key, "set either this secret or kubernetes.kubeconfig, not both"))
    if config is not None and config.cluster.creates_eks and s.KUBECONFIG.key in present:
        problems.append(
            problem(
                s.KUBECONFIG.key,
                "describes an existing cluster, but cluster.mode: eks creates one and reaches it through its own "
                f"kubeconfig; remove it: pulumi config rm {s.KUBECONFIG.key} --stack {stack}",
            )
        )
    if problems or config is None:
        raise ConfigError(problems)

    cfg = pulumi.Config(PROJECT)

    def optional(spec: s.SecretSpec) -> pulumi.Output[str] | None:
        return cfg.get_secret(spec.key) if spec.key in present else None

    secrets = s.Secrets(
        rasa_pro_license=cfg.require_secret(s.RASA_PRO_LICENSE.key),
        openai_api_key=optional(s.OPENAI_API_KEY),
        registry_password=optional(s.REGISTRY_PASSWORD),
        database_password=optional(s.DATABASE_PASSWORD),
        keycloak_admin_password=optional(s.KEYCLOAK_ADMIN_PASSWORD),
        keycloak_api_password=optional(s.KEYCLOAK_API_PASSWORD),
        kafka_password=optional(s.KAFKA_PASSWORD),
        kubeconfig=optional(s.KUBECONFIG),
    )
    return LoadedConfig(config, secrets, previous, config.instance or previous.instance or stack)
