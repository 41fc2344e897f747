"""The namespace's Pod Security Standard."""

from __future__ import annotations

import pytest

from tests.harness import find, run_stack

ENFORCE = "pod-security.kubernetes.io/enforce"


@pytest.mark.parametrize(
    ("sets", "enforced"),
    [
        ((), "baseline"),
        # The migration Job runs without a securityContext, as Rasa's chart runs it.
        (("studio.version=1.17.0", "modelService.architecture=embedded"), "baseline"),
        (
            (
                "studio.version=1.17.0",
                "modelService.architecture=embedded",
                "studio.databaseMigration.securityContext.restricted=true",
            ),
            "restricted",
        ),
        (
            ("kubernetes.podSecurity=restricted", "studio.databaseMigration.securityContext.restricted=true"),
            "restricted",
        ),
    ],
)
def test_the_namespace_enforces_what_the_pods_can_meet(sets: tuple[str, ...], enforced: str) -> None:
    labels = find(run_stack("dev", *sets), "Namespace", "rasa-studio")["metadata"]["labels"]
    assert labels[ENFORCE] == enforced
    # Anything short of restricted is still reported, pinned to the cluster's version.
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    assert labels["pod-security.kubernetes.io/audit"] == "restricted"
    assert {labels[f"{ENFORCE}-version"], labels["pod-security.kubernetes.io/warn-version"]} == {"v1.30"}


def test_restricted_without_the_migrations_opt_in_is_refused_by_key() -> None:
    from config import validate
    from tests.harness import stack_input

    _, problems = validate(stack_input("dev", "kubernetes.podSecurity=restricted").plain)
    assert any(p.startswith("rasa-studio:studio.databaseMigration.securityContext.restricted: ") for p in problems)


def test_an_unknown_pod_security_level_is_refused() -> None:
    from config import validate
    from tests.harness import stack_input

    _, problems = validate({**stack_input("dev").plain, "kubernetes": {"podSecurity": "privileged"}})
    assert any(p.startswith("rasa-studio:kubernetes.podSecurity: must be one of") for p in problems), problems
