"""Fixed facts about the Studio containers: images, ports, probes, users and default sizing.

Everything here comes from the Rasa Studio chart (RasaHQ/rasa-helm-charts charts/studio/values.yaml,
1.2.6 to 2.6.0) and Rasa's sizing documentation; values the
reference does not state are marked INFERRED with the reasoning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from config.base import ResourceList, Resources
from config.studio import StudioConfig
from config.workloads import fixed_resources

from ..ports import BACKEND_PORT, KEYCLOAK_PORT, WEB_CLIENT_PORT
from ..workload import HttpProbe, User

StudioContainer = Literal["web-client", "backend", "database-migration", "keycloak", "event-ingestion"]

# Image names under <studio.registry>/ (charts/studio/values.yaml 2.6.0, `repository`).
IMAGE_NAMES: dict[StudioContainer, str] = {
    "web-client": "studio-web-client",
    "backend": "studio-backend",
    "database-migration": "studio-database-migration",
    "keycloak": "studio-keycloak",
    "event-ingestion": "studio-event-ingestion",
}

# Object names as the chart renders them with fullname "studio".
FULLNAME = "studio"
WEB_CLIENT_CONFIGMAP = "studio-web-client-configmap"  # fixed name in the chart
DATABASE_MIGRATION_JOB = f"{FULLNAME}-database-migration"
EVENT_INGESTION_DEPLOYMENT = f"{FULLNAME}-event-ingestion"

# Probes exactly as the chart times them (charts/studio/values.yaml livenessProbe/readinessProbe, 1.2.6 and 2.6.0).
WEB_CLIENT_PROBE = HttpProbe("/", WEB_CLIENT_PORT)
BACKEND_PROBE = HttpProbe("/api/health", BACKEND_PORT)
KEYCLOAK_PROBE = HttpProbe("/auth", KEYCLOAK_PORT, initial_delay_seconds=30)
# Keycloak's first start (schema creation, realm import by the backend) can take minutes on a
# small node: give it up to 5 minutes before the liveness probe may kill it.
KEYCLOAK_STARTUP_PROBE = HttpProbe(
    "/auth", KEYCLOAK_PORT, initial_delay_seconds=30, period_seconds=10, timeout_seconds=5, failure_threshold=30
)

# Rasa's images run as their own user, as the chart runs them (config/security.py has the opt-in).
# The wait-for-postgresql init container runs the official postgres image, whose user is 999.
POSTGRES_USER = User(999, 999)

# The wait-for-postgresql init container of the migration (chart 2.0.0 e55cc2f
# templates/studio/backend/database-migration-job.yaml), pinned.
WAIT_FOR_POSTGRES_IMAGE = "postgres:17.2"


def _res(req_cpu: str, req_mem: str, lim_cpu: str, lim_mem: str) -> Resources:
    return Resources(
        requests=ResourceList(cpu=req_cpu, memory=req_mem), limits=ResourceList(cpu=lim_cpu, memory=lim_mem)
    )


# Declared with the workloads (config/workloads.py).
RESOURCES: dict[StudioContainer, Resources] = {name: fixed_resources(name) for name in IMAGE_NAMES}
WAIT_FOR_POSTGRES_RESOURCES = _res("10m", "16Mi", "100m", "64Mi")


@dataclass(frozen=True)
class Image:
    ref: str
    tag: str


def image(studio: StudioConfig, container: StudioContainer) -> Image:
    """<registry>/<image-name>:<tag>: one shared Studio tag, overridable per container."""
    # Per-container tag override.
    override = {
        "web-client": studio.web_client.version,
        "backend": studio.backend.version,
        "database-migration": studio.database_migration.version,
        "keycloak": studio.keycloak.version,
        "event-ingestion": studio.event_ingestion.version,
    }[container]
    tag = override or studio.version
    return Image(ref=f"{studio.registry}/{IMAGE_NAMES[container]}:{tag}", tag=tag)


def short_digest(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]
