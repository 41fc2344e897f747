"""Where the deployment keeps its data on volume claims, and the rules a change is checked against.

Pure: the claim names follow from the config, as the components name them, so the loader can
compare them with the last deployment (config/previous.py) before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping

from config import StackConfig
from config.backing import InClusterDatabase, InClusterKafka, MinioStorage
from config.previous import Previous, deployment_output, downgrade_problems, shrink_problems

from . import names
from .names import stateful_set_claim
from .model_service.embedded import data_pvc_name as embedded_pvc_name
from .model_service.env import data_pvc_name as orchestrated_pvc_name

def volume_claims(config: StackConfig) -> dict[str, tuple[str, str]]:
    """"namespace/claim" -> (the config key that sizes it, its size) for every claim data lives on."""
    ns = config.kubernetes.namespace
    found: dict[str, tuple[str, str]] = {}
    ms = config.model_service
    if ms.architecture == "embedded":
        found[f"{ns}/{embedded_pvc_name(ns)}"] = ("modelService.storageSize", ms.storage_size)
    else:
        for kind in ("training", "running"):
            found[f"{ns}/{orchestrated_pvc_name(kind, ns)}"] = ("modelService.storageSize", ms.storage_size)
    db = config.database
    if isinstance(db, InClusterDatabase):
        found[f"{ns}/{stateful_set_claim(names.POSTGRESQL_SERVICE, 0)}"] = ("database.storageSize", db.storage_size)
    kafka = config.kafka
    if isinstance(kafka, InClusterKafka) and config.kafka_needed:
        for ordinal in range(kafka.brokers):
            found[f"{ns}/{stateful_set_claim(names.KAFKA_SERVICE, ordinal)}"] = ("kafka.storageSize", kafka.storage_size)
    storage = config.object_storage
    if isinstance(storage, MinioStorage):
        found[f"{ns}/{stateful_set_claim(names.MINIO_SERVICE, 0)}"] = ("objectStorage.storageSize", storage.storage_size)
    return found


def claim_sizes(config: StackConfig) -> dict[str, str]:
    return {claim: size for claim, (_, size) in volume_claims(config).items()}


def released_claims(config: StackConfig, previous: Previous) -> list[str]:
    """Claims the last deployment kept data on that this one no longer uses: the orchestrated
    model services' after the switch to the embedded one, every claim of a renamed namespace, the
    brokers' beyond a smaller count. Pulumi leaves them (and the namespace) in place; the user
    deletes them when the data is no longer needed."""
    return sorted(set(previous.volume_claims) - set(volume_claims(config)))


def problems(config: StackConfig, previous: Previous) -> list[str]:
    """What the last deployment makes impossible: a downgrade not acknowledged, a shrunk claim."""
    return [
        *downgrade_problems(config.studio.version, config.acknowledge_downgrade, previous),
        *shrink_problems(volume_claims(config), previous),
    ]


def as_output(config: StackConfig, instance: str) -> Mapping[str, object]:
    """The `deployment` output the next update reads back."""
    return deployment_output(config.studio.version, instance, claim_sizes(config))
