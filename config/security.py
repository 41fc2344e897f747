"""Opt-in security settings stricter than Rasa's chart, for the containers of Rasa's closed images.

Rasa's chart runs every Studio and model-service container with runAsNonRoot, no privilege
escalation and all capabilities dropped, and nothing more (RasaHQ/rasa-helm-charts
charts/studio/values.yaml, 1.2.6 to 2.6.0): no fixed user and a writable root filesystem. Nobody
outside Rasa can see which user the images expect or where they write, so a fixed UID or a
read-only root is the operator's choice, made after testing it against the image in use.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Model

# A numeric non-root id: with runAsNonRoot the kubelet refuses uid 0.
NonRootId = Annotated[int, Field(ge=1, le=2147483647)]


class SecurityContext(Model):
    """Stricter settings for one container; the defaults are the chart's. Not verified against Rasa's images."""

    run_as_user: NonRootId | None = None
    """
    Opt-in: run as this numeric user; unset: the image's own user, as Rasa's chart runs it. Not verified against Rasa's
    images.
    """
    run_as_group: NonRootId | None = None
    """Opt-in: the primary group; unset: the image's."""
    read_only_root_filesystem: bool = False
    """
    Opt-in: read-only root with writable emptyDir mounts (`/tmp`, 1Gi; Keycloak also `/opt/keycloak/data`); default
    writable, as Rasa's chart runs it. Not verified against Rasa's images.
    """


class MigrationSecurityContext(SecurityContext):
    """The migration Job. Rasa's chart gives it no securityContext at all, at pod or container level
    (charts/studio/templates/studio/backend/database-migration-job.yaml, 1.2.6 to 2.6.0), and
    nobody outside Rasa can see the image's user: with runAsNonRoot an image running as root
    would never start and the install would hang on the Job. So it runs as the chart runs it."""

    restricted: bool = False
    """
    Opt-in: runAsNonRoot, allowPrivilegeEscalation false, all capabilities dropped and the RuntimeDefault seccomp
    profile, at pod and container level (Pod Security `restricted`); unset: no securityContext, as Rasa's chart runs the
    Job. Not verified against Rasa's image.
    """


class ModelServiceSecurity(Model):
    """Per model-service pod (the orchestrated services, or the embedded model service)."""

    training_orchestrator: SecurityContext = SecurityContext()
    training_consumer: SecurityContext = SecurityContext()
    running_orchestrator: SecurityContext = SecurityContext()
    running_consumer: SecurityContext = SecurityContext()
    embedded: SecurityContext = SecurityContext()


# The chart's settings: nothing stricter.
CHART_DEFAULT = SecurityContext()
