"""Names of the Services other components reach, as the Rasa charts name them.

Kept in one place so a component can build another's URL without importing it.
"""

from __future__ import annotations

import re

# Their ports live with every other port (components/ports.py); re-exported for older imports.
from .ports import KAFKA_PORT as KAFKA_PORT
from .ports import MINIO_PORT as MINIO_PORT
from .ports import MODEL_RUNNING_PORT as MODEL_RUNNING_PORT
from .ports import MODEL_TRAINING_PORT as MODEL_TRAINING_PORT
from .ports import POSTGRESQL_PORT as POSTGRESQL_PORT
from .ports import SERVICE_PORT as SERVICE_PORT

# Studio application (chart 2.x names with fullname "studio").
WEB_CLIENT_SERVICE = "studio-web-client"
BACKEND_SERVICE = "studio-backend"
KEYCLOAK_SERVICE = "studio-keycloak"

# Orchestrated model services (legacy chart names: RasaHQ/rasa-helm-charts charts/studio 1.2.6, templates/model-service/).
MODEL_TRAINING_SERVICE = "model-training-service"
MODEL_RUNNING_SERVICE = "model-running-service"
# Routes /talk/<bot>/... to the bot a running Job serves.
TALK_PROXY_SERVICE = "nginx-reverse-proxy"

# Embedded model service (chart 2.x rasa subchart, fullnameOverride rasapro).
MODEL_SERVICE = "rasapro"

# The assistant next to Studio (config/assistant.py), named as charts/rasa names a release `rasa`.
ASSISTANT_SERVICE = "rasa"
ACTION_SERVER_SERVICE = "rasa-action-server"
# Its own credentials: the tracker role's password (key DB_PASSWORD) and the Kafka user's
# (KAFKA_SASL_PASSWORD), made by the stack; and the lock store's password (REDIS_PASSWORD).
ASSISTANT_CREDENTIALS_SECRET = "rasa-credentials"
ASSISTANT_DB_PASSWORD_KEY = "DB_PASSWORD"
ASSISTANT_KAFKA_PASSWORD_KEY = "KAFKA_SASL_PASSWORD"
LOCK_STORE_SERVICE = "rasa-lock-store"
LOCK_STORE_SECRET = "rasa-lock-store"
LOCK_STORE_PASSWORD_KEY = "REDIS_PASSWORD"

# Backing services in the cluster.
POSTGRESQL_SERVICE = "postgresql"
KAFKA_SERVICE = "kafka"
MINIO_SERVICE = "minio"

KEYCLOAK_REALM = "rasa-studio"

# The volumeClaimTemplate of the in-cluster StatefulSets (backing/common.py pvc_template).
DATA_TEMPLATE = "data"


def stateful_set_claim(stateful_set: str, ordinal: int) -> str:
    """The claim the StatefulSet controller makes for one pod: <template>-<statefulset>-<ordinal>."""
    return f"{DATA_TEMPLATE}-{stateful_set}-{ordinal}"


def talk_service(architecture: str) -> str:
    """The Service the ingress sends /talk (try your assistant) to."""
    return TALK_PROXY_SERVICE if architecture == "orchestrated" else MODEL_SERVICE


def keycloak_internal_url() -> str:
    # In-cluster, plain http, as the chart's shared-environment ConfigMap has it.
    return f"http://{KEYCLOAK_SERVICE}/auth"


def keycloak_url(external_url: str | None) -> str:
    """Where the Studio pods reach Keycloak: the in-cluster Service, or an external Keycloak."""
    return external_url.rstrip("/") if external_url is not None else keycloak_internal_url()


def eks_cluster_name(instance: str) -> str:
    """The EKS cluster `cluster.mode: eks` creates (letters, digits, '-' and '_', 100 at most,
    starting with a letter); CI finds it by this name too (tools/eks_cluster.py)."""
    return re.sub(r"[^a-z0-9-]+", "-", f"rasa-studio-{instance}".lower())[:100].rstrip("-")
