"""Connection parameters for the three ways the function authenticates to PostgreSQL.

iam:    a 15-minute RDS IAM token signed locally from the function's role (RDS Proxy with IAM auth);
        generated per connection, so token expiry never breaks a warm environment.
secret: username/password from a Secrets Manager secret in RDS's JSON format, read per connection
        so a rotated password is picked up on the next reconnect.
trust:  no password (the local stack's PostgreSQL and the tests).
"""

from __future__ import annotations

from typing import Any

import orjson
from pipeline_common import aws_clients

from stream_processor.settings import Settings


def connect_kwargs(settings: Settings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "host": settings.db_host,
        "port": settings.db_port,
        "dbname": settings.db_name,
        "user": settings.db_user,
        "sslmode": settings.db_sslmode,
        "connect_timeout": settings.db_connect_timeout,
        "application_name": "stream_processor",
    }
    if settings.db_auth == "iam":
        rds = aws_clients.client("rds", settings.region)
        kwargs["password"] = rds.generate_db_auth_token(
            DBHostname=settings.db_host, Port=settings.db_port, DBUsername=settings.db_user, Region=settings.region,
        )
    elif settings.db_auth == "secret":
        secrets = aws_clients.client("secretsmanager", settings.region)
        secret = orjson.loads(secrets.get_secret_value(SecretId=settings.db_secret_arn)["SecretString"])
        kwargs["user"] = secret.get("username") or settings.db_user
        kwargs["password"] = secret["password"]
    return kwargs
