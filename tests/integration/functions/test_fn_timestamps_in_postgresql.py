"""Every timestamp form the event rules accept is one PostgreSQL's timestamptz reads (the rule side:
tests/unit/functions/test_fn_event_rules.py), so a valid event never becomes a sink failure."""

from __future__ import annotations

import pytest
from kinesis_events import ACCEPTED_TIMESTAMPS


@pytest.mark.parametrize("stamp", ACCEPTED_TIMESTAMPS)
def test_postgresql_reads_every_accepted_timestamp(stamp, database):
    assert database.query("SELECT %s::timestamptz IS NOT NULL", (stamp,)) == [(True,)]
