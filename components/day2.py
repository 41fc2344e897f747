"""Where the deployment keeps its data on volume claims, and the rules a change is checked against.

Pure: the claim names follow from the config, as the components name them, so the loader can
compare them with the last deployment (config/previous.py) before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping

from config import StackConfig
from config.backing import InClusterDatabase, InClusterKafka, MinioStorage
from config.previous import Previous, class_problems, deployment_output, downgrade_problems, shrink_problems

from . import names
from .model_service.data_volume import claim_storage
from .model_service.embedded import data_pvc_name as embedded_pvc_name
from .model_service.env import data_pvc_name as orchestrated_pvc_name
from .names import stateful_set_claim


def volume_claims(config: StackConfig) -> dict[str, tuple[str, str]]:
    """ "namespace/claim" -> (the config key that sizes it, its size) for every claim data lives on."""
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
            found[f"{ns}/{stateful_set_claim(names.KAFKA_SERVICE, ordinal)}"] = (
                "kafka.storageSize",
                kafka.storage_size,
            )
    storage = config.object_storage
    if isinstance(storage, MinioStorage):
        found[f"{ns}/{stateful_set_claim(names.MINIO_SERVICE, 0)}"] = (
            "objectStorage.storageSize",
            storage.storage_size,
        )
    return found


def claim_classes(config: StackConfig) -> dict[str, tuple[str, str]]:
    """ "namespace/claim" -> (the config key that picks its class, the class or "") for the claims
    Pulumi owns: the model services'. The StatefulSets' claims keep theirs (their templates are
    never changed, backing/common.py), so a new class only applies to claims made later."""
    ns = config.kubernetes.namespace
    classes = config.kubernetes.storage_classes
    ms = config.model_service
    # Shared between the consumers and their Jobs in the orchestrated services (model_service/).
    if ms.architecture == "embedded":
        claims = {embedded_pvc_name(ns): False}
    else:
        claims = {orchestrated_pvc_name(kind, ns): True for kind in ("training", "running")}
    found = {}
    for claim, shared in claims.items():
        _, storage_class, key = claim_storage(shared, classes)
        found[f"{ns}/{claim}"] = (key, storage_class or "")
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
    """What the last deployment makes impossible: a downgrade not acknowledged, a shrunk claim, a
    claim moved to another storage class."""
    return [
        *downgrade_problems(config.studio.version, config.acknowledge_downgrade, previous),
        *shrink_problems(volume_claims(config), previous),
        *class_problems(claim_classes(config), previous),
    ]


def as_output(config: StackConfig, instance: str) -> Mapping[str, object]:
    """The `deployment` output the next update reads back."""
    classes = {claim: storage_class for claim, (_, storage_class) in claim_classes(config).items()}
    return deployment_output(config.studio.version, instance, claim_sizes(config), classes)
