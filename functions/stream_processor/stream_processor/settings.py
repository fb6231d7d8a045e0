"""The stream processor's configuration, read once per execution environment from its environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline_common.config import ConfigError, Env

DB_AUTH_MODES = ("iam", "secret", "trust")


@dataclass(frozen=True)
class Settings:
    """Every knob of the function; docs/contracts.md lists the required ones, README.md all."""

    log_level: str
    dlq_url: str
    dlq_payload_bucket: str
    dlq_payload_prefix: str
    db_host: str
    db_port: int
    db_name: str
    db_user: str | None
    db_auth: str
    db_secret_arn: str | None
    db_sslmode: str
    db_connect_timeout: int
    db_write_timeout: float
    db_ensure_schema: bool
    region: str | None
    max_event_bytes: int
    chunk_size: int
    sink_max_attempts: int | None  # None: retry a sink outage until the invocation's time reserve
    time_reserve_seconds: float


def load_settings(environ: Mapping[str, str]) -> Settings:
    env = Env(environ)
    auth = env.choice("DB_AUTH", DB_AUTH_MODES, "iam")
    user = env.optional_text("DB_USER")
    secret_arn = env.optional_text("DB_SECRET_ARN")
    if auth == "secret" and not secret_arn:
        raise ConfigError("DB_AUTH=secret needs DB_SECRET_ARN (the Secrets Manager secret with username/password)")
    if auth != "secret" and not user:
        raise ConfigError(f"DB_AUTH={auth} needs DB_USER (the database user to connect as)")
    return Settings(
        log_level=env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        dlq_url=env.text("DLQ_URL"),
        dlq_payload_bucket=env.text("DLQ_PAYLOAD_BUCKET"),
        dlq_payload_prefix=env.text("DLQ_PAYLOAD_PREFIX", "dead-letter/"),
        db_host=env.text("DB_HOST"),
        db_port=env.integer("DB_PORT", 5432, minimum=1, maximum=65535),
        db_name=env.text("DB_NAME"),
        db_user=user,
        db_auth=auth,
        db_secret_arn=secret_arn,
        db_sslmode=env.choice("DB_SSLMODE", ("disable", "prefer", "require", "verify-ca", "verify-full"),
                              "prefer" if auth == "trust" else "require"),
        db_connect_timeout=env.integer("DB_CONNECT_TIMEOUT", 5, minimum=1),
        db_write_timeout=env.number("DB_WRITE_TIMEOUT", 20.0, minimum=0.5),
        db_ensure_schema=env.flag("DB_ENSURE_SCHEMA", True),
        region=env.optional_text("AWS_REGION") or env.optional_text("AWS_DEFAULT_REGION"),
        max_event_bytes=env.integer("MAX_EVENT_BYTES", 16_384, minimum=64, maximum=1_048_576),
        chunk_size=env.integer("SINK_CHUNK_SIZE", 1_000, minimum=1, maximum=10_000),
        sink_max_attempts=env.optional_integer("SINK_MAX_ATTEMPTS", minimum=1),
        time_reserve_seconds=env.number("TIME_RESERVE_SECONDS", 5.0),
    )
