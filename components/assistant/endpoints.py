"""The assistant's endpoints.yml and credentials.yml, as pure functions of what the backing services hand over.

Every address, user and topic comes from the interfaces Studio's own components read
(components/interfaces.py), so the assistant produces to the topic event ingestion consumes, as a
principal of the same brokers, and keeps its conversations on Studio's PostgreSQL: one source of
truth, never a second string. Passwords are never in the file: each is `${VAR}`, which Rasa
replaces from the container's environment when it reads the file (rasa/shared/utils/yaml.py,
`env_var_constructor`, the YAML loader of every config file Rasa reads), and VAR comes from a
Secret reference.

Keys as rasa.com documents them:
- event_broker: https://rasa.com/docs/reference/integrations/event-brokers (Kafka);
- tracker_store: https://rasa.com/docs/reference/integrations/tracker-stores (SQLTrackerStore);
- lock_store: https://rasa.com/docs/reference/integrations/lock-stores (ConcurrentRedisLockStore);
- action_endpoint: https://rasa.com/docs/reference/integrations/action-server/actions;
- credentials.yml: https://rasa.com/docs/reference/channels/messaging-and-voice-channels (rest, socketio).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import yaml

from .. import kafka_ca, names
from ..interfaces import Database, Kafka, LockStore
from ..model_service.env import sasl_mechanism

# The variables the passwords are read from (the keys of the assistant's own credentials).
DB_PASSWORD_ENV = names.ASSISTANT_DB_PASSWORD_KEY
KAFKA_PASSWORD_ENV = names.ASSISTANT_KAFKA_PASSWORD_KEY
REDIS_PASSWORD_ENV = names.LOCK_STORE_PASSWORD_KEY
# libpq connection parameters (postgresql.org/docs/current/libpq-connect.html) Studio's
# Database.query may carry; Rasa passes `query` to SQLAlchemy's URL, and so to psycopg2.
LIBPQ_PARAMETERS = frozenset({"sslmode", "sslrootcert", "connect_timeout", "application_name", "target_session_attrs"})
# The user `AUTH <password>` authenticates as (Redis ACLs, redis.io/docs/latest/operate/oss_and_stack/management/security/acl).
REDIS_DEFAULT_USER = "default"
# rasa-sdk's webhook path.
ACTION_WEBHOOK_PATH = "/webhook"


def from_env(variable: str) -> str:
    return "${" + variable + "}"


def brokers(bootstrap_servers: str) -> str:
    """`host:port,host:port`, one string: Rasa hands `url` to confluent-kafka as `bootstrap.servers`
    unchanged (rasa/core/brokers/kafka.py, `_get_kafka_config`), and confluent-kafka turns a value
    into a string with str(), so a YAML list would reach librdkafka as `['host:port', ...]`, brackets
    and quotes in the host names. The list its docstring still allows dates from kafka-python."""
    return ",".join(b.strip() for b in bootstrap_servers.split(",") if b.strip())


def sasl(kafka: Kafka) -> bool:
    return kafka.sasl_mechanism is not None and kafka.security_protocol.startswith("SASL_")


def event_broker(kafka: Kafka, bootstrap_servers: str, username: str | None, topic: str) -> dict[str, Any]:
    """Kafka on Studio's brokers, producing to `topic`, partitioned by conversation so one
    conversation's events stay in order for event ingestion."""
    found: dict[str, Any] = {
        "type": "kafka",
        "url": brokers(bootstrap_servers),
        "topic": topic,
        "security_protocol": kafka.security_protocol,
        "partition_by_sender": True,
    }
    if sasl(kafka):
        assert kafka.sasl_mechanism is not None and username is not None
        found.update(
            # Rasa's producer (confluent-kafka) spells PLAIN in capitals; Studio's config spells it `plain`.
            sasl_mechanism=sasl_mechanism(kafka.sasl_mechanism),
            sasl_username=username,
            sasl_password=from_env(KAFKA_PASSWORD_ENV),
        )
    if kafka.tls:
        if kafka_ca.ca_secret(kafka) is not None:
            found["ssl_cafile"] = kafka_ca.FILE
        found["ssl_check_hostname"] = True
    return found


def tracker_store(tracker: Database, host: str, database: str) -> dict[str, Any]:
    """SQLTrackerStore in the assistant's own database, with the connection parameters Studio's
    clients use (Database.query: sslmode and the like) as the `query` mapping Rasa adds to its URL."""
    found: dict[str, Any] = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": host,
        "port": tracker.port,
        "db": database,
        "username": tracker.username,
        "password": from_env(DB_PASSWORD_ENV),
    }
    # Only libpq's own parameters: Studio's query may carry Prisma's (`schema=public`), which
    # psycopg2 refuses as an invalid connection option.
    query = {k: v for k, v in parse_qsl(tracker.query) if k in LIBPQ_PARAMETERS}
    if query:
        found["query"] = query
    return found


def lock_store(store: LockStore, host: str) -> dict[str, Any]:
    """ConcurrentRedisLockStore, the one Rasa recommends for replicas
    (rasa.com/docs/reference/integrations/lock-stores): it issues ticket numbers with Redis' atomic
    INCR, where RedisLockStore reads, increments and writes a conversation's lock, so two replicas
    taking two messages of one conversation at once can both hold it. Its keys are read from the
    section as they are (rasa/core/concurrent_lock_store.py): `host`, never `url`, which it ignores."""
    found: dict[str, Any] = {
        "type": "concurrent_redis",
        "host": host,
        "port": store.port,
        "db": store.db,
        "use_ssl": store.tls,
    }
    if store.password is not None:
        # Redis 6 ACLs and Valkey: `default` is the user a bare AUTH password logs in as. Given with
        # the password, as Rasa Pro 3.16's RedisLockStore requires (verify_username_password).
        found["username"] = REDIS_DEFAULT_USER
        found["password"] = from_env(REDIS_PASSWORD_ENV)
    return found


def action_endpoint(namespace: str, port: int) -> dict[str, Any]:
    return {"url": f"http://{names.ACTION_SERVER_SERVICE}.{namespace}.svc.cluster.local:{port}{ACTION_WEBHOOK_PATH}"}


def endpoints(
    *,
    broker: dict[str, Any],
    tracker: dict[str, Any],
    lock: dict[str, Any] | None,
    action: dict[str, Any] | None,
) -> dict[str, Any]:
    """endpoints.yml. No lock store: Rasa's in-memory one (one replica). No `models` endpoint: the
    model comes from the bucket (`--remote-storage`)."""
    found: dict[str, Any] = {"event_broker": broker, "tracker_store": tracker}
    if lock is not None:
        found["lock_store"] = lock
    if action is not None:
        found["action_endpoint"] = action
    return found


def credentials() -> dict[str, Any]:
    """The channels the route serves: REST (`/webhooks/rest/webhook`) and Socket.IO (Rasa's web chat widget)."""
    return {
        "rest": None,
        "socketio": {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True},
    }


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)
