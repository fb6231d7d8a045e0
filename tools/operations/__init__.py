"""Operator commands for a deployed pipeline, the same against AWS and the local stack.

`python -m operations.status` (`make status`): lag, mappings, queues and alarms in one table.
`python -m operations.redrive` (`make redrive`): poison records the current rules accept, back into their stream.
"""
