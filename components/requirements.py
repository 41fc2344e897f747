"""What the Studio components need from the backing services, known from config alone.

Kafka topics, databases and the ServiceAccounts that need the bucket are declared here, before
any resource exists, so the backing services can be built first and the Studio components after.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import StackConfig

# Event ingestion (RasaHQ/rasa-helm-charts charts/studio/templates/studio/event-ingestion/deployment.yaml, chart 2.6.0): the assistant publishes to the same topic.
EVENTS_TOPIC = "rasa-events"
EVENTS_DLQ_TOPIC = "rasa-events-dlq"
# Orchestrated model services (RasaHQ/rasa-helm-charts charts/studio 1.2.6, templates/model-service/): orchestrators publish jobs, consumers publish
# results and status updates back.
TRAINING_JOB_TOPIC = "training-job"
TRAINING_RESULT_TOPIC = "training-result"
TRAINING_STATUS_UPDATE_TOPIC = "training-status-update"
DEPLOYMENT_JOB_TOPIC = "deployment-job"
DEPLOYMENT_RESULT_TOPIC = "deployment-result"
MODEL_SERVICE_TOPICS = (
    TRAINING_JOB_TOPIC,
    TRAINING_RESULT_TOPIC,
    TRAINING_STATUS_UPDATE_TOPIC,
    DEPLOYMENT_JOB_TOPIC,
    DEPLOYMENT_RESULT_TOPIC,
)

STUDIO_DATABASE = "studio"
KEYCLOAK_DATABASE = "keycloak"
MODEL_SERVICE_DATABASE = "modelservice"

# ServiceAccounts of the pods that read and write trained models.
TRAINING_SERVICE_ACCOUNT = "model-training-service"
RUNNING_SERVICE_ACCOUNT = "model-running-service"
EMBEDDED_SERVICE_ACCOUNT = "rasapro"
# The assistant next to Studio loads its model from the same bucket (config/assistant.py).
ASSISTANT_SERVICE_ACCOUNT = "rasa"


@dataclass(frozen=True)
class Requirements:
    topics: tuple[str, ...]
    databases: tuple[str, ...]
    storage_service_accounts: tuple[str, ...]
    storage_reader_service_accounts: tuple[str, ...] = ()


def requirements(config: StackConfig) -> Requirements:
    orchestrated = config.model_service.architecture == "orchestrated"
    return Requirements(
        topics=(
            *((EVENTS_TOPIC, EVENTS_DLQ_TOPIC) if config.studio.event_ingestion.enabled else ()),
            *(MODEL_SERVICE_TOPICS if orchestrated else ()),
        ),
        databases=(
            STUDIO_DATABASE,
            # An external Keycloak keeps its own database.
            *((KEYCLOAK_DATABASE,) if config.studio.keycloak_in_cluster else ()),
            *((MODEL_SERVICE_DATABASE,) if orchestrated else ()),
        ),
        storage_service_accounts=(
            (TRAINING_SERVICE_ACCOUNT, RUNNING_SERVICE_ACCOUNT) if orchestrated else (EMBEDDED_SERVICE_ACCOUNT,)
        ),
        # The assistant only loads the models Studio trained: a role that reads, never writes.
        storage_reader_service_accounts=(ASSISTANT_SERVICE_ACCOUNT,) if config.assistant.enabled else (),
    )
