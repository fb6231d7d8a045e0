"""Which database errors are the records' fault (poison) and which the sink's (retry, never dead-letter).

By SQLSTATE class: psycopg raises class 54 (program limit exceeded, e.g. an index row too large) as
an OperationalError, the class it also uses for a lost connection; retrying such a row forever held
its whole shard (issue 10, item 1).
"""

from __future__ import annotations

import sys

import psycopg
import pytest
from repo_paths import REPO_ROOT

for source in (REPO_ROOT / "functions/stream_processor", REPO_ROOT / "layers/common"):
    if str(source) not in sys.path:
        sys.path.insert(0, str(source))

from stream_processor.postgres_sink import is_data_error, is_transient  # noqa: E402


@pytest.mark.parametrize(("sqlstate", "data", "transient"), [
    ("54000", True, False),   # program_limit_exceeded: index row size
    ("22021", True, False),   # character_not_in_repertoire
    ("22P02", True, False),   # invalid_text_representation
    ("23514", True, False),   # check_violation
    ("23505", True, False),   # unique_violation
    ("57P01", False, True),   # admin_shutdown: a failover
    ("08006", False, True),   # connection_failure
    ("40P01", False, True),   # deadlock_detected
    ("55P03", False, True),   # lock_not_available
    ("53300", False, True),   # too_many_connections
    ("42P01", False, False),  # undefined_table: the deployment's fault, not the records'
])
def test_sqlstate_class_decides(sqlstate, data, transient):
    error = psycopg.errors.lookup(sqlstate)()
    assert (is_data_error(error), is_transient(error)) == (data, transient)


def test_client_side_errors_without_sqlstate():
    assert not is_data_error(psycopg.OperationalError("connection refused"))
    assert is_transient(psycopg.OperationalError("connection refused"))
    assert is_data_error(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"))
