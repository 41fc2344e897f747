"""Pieces every model-service pod shares: the user, scratch space, the Kafka CA."""

from __future__ import annotations

from pulumi_kubernetes.core import v1 as core

from config import sizing as sz
from config.base import Resources
from config.model_service import ModelServiceConfig

from ..interfaces import Kafka
from ..workload import User, empty_dir, mount
from .env import KAFKA_CA_DIR

# INFERRED: the model-service images run as Rasa's usual non-root user 1001 (the Rasa Pro
# image's user and the chart's fsGroup); numeric so runAsNonRoot can be verified.
RASA_USER = User(uid=1001, gid=1001)
TMP = "tmp"
KAFKA_CA = "kafka-ca"


def default_resources(config: ModelServiceConfig, key: str) -> Resources:
    """The pod's defaults (config/sizing.py) with its override from `modelService.resources`."""
    return sz.as_resources(sz.service_shape(config, key))


def scratch() -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    # Read-only root filesystem; Python and its libraries write temporary files to /tmp only.
    return [empty_dir(TMP)], [mount(TMP, "/tmp")]


def kafka_ca(kafka: Kafka) -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    if kafka.ca_secret is None:
        return [], []
    volume = core.VolumeArgs(name=KAFKA_CA, secret=core.SecretVolumeSourceArgs(secret_name=kafka.ca_secret))
    return [volume], [mount(KAFKA_CA, KAFKA_CA_DIR, read_only=True)]
