"""The brokers' private CA as a read-only volume: one rule for every Kafka client pod.

The CA is mounted, and a client pointed at it, only when the clients reach the brokers over TLS
(securityProtocol SSL or SASL_SSL): with PLAINTEXT a CA has nothing to verify.
"""

from __future__ import annotations

from pulumi_kubernetes.core import v1 as core

from .interfaces import Kafka
from .workload import mount

VOLUME = "kafka-ca"
# The key the interface's CA Secret holds (interfaces.Kafka.ca_secret).
KEY = "ca.crt"
# Where Studio's and Rasa's images look for it (the chart README's example paths).
DIRECTORY = "/etc/ssl/kafka"
FILE = f"{DIRECTORY}/{KEY}"


def ca_secret(kafka: Kafka) -> str | None:
    """The Secret with the brokers' CA when the clients verify brokers over TLS; None otherwise."""
    return kafka.ca_secret if kafka.tls else None


def kafka_ca(
    kafka: Kafka, directory: str = DIRECTORY, name: str = VOLUME
) -> tuple[list[core.VolumeArgs], list[core.VolumeMountArgs]]:
    """The CA's volume and its mount at `directory`, or nothing without TLS or without a private CA."""
    secret = ca_secret(kafka)
    if secret is None:
        return [], []
    volume = core.VolumeArgs(
        name=name,
        secret=core.SecretVolumeSourceArgs(secret_name=secret, items=[core.KeyToPathArgs(key=KEY, path=KEY)]),
    )
    return [volume], [mount(name, directory, read_only=True)]
