"""External Kafka: someone else's brokers; the stack only points at them (and creates topics)."""

from __future__ import annotations

from config.backing import ExternalKafka

from ..interfaces import Kafka, SecretRef


def external_kafka(cfg: ExternalKafka) -> Kafka:
    sasl = cfg.security_protocol.startswith("SASL_")
    return Kafka(
        bootstrap_servers=",".join(cfg.brokers),
        security_protocol=cfg.security_protocol,
        sasl_mechanism=cfg.sasl_mechanism if sasl else None,
        username=cfg.username if sasl else None,
        password=SecretRef(cfg.password_secret.name, cfg.password_secret.key) if sasl and cfg.password_secret else None,
        ca_secret=cfg.ca_secret,
    )
