"""Size and cost a Kinesis -> Lambda pipeline before it ships (issue 15).

From measurements of the function at a grid of memory sizes and batch sizes, and the user's target
(records/s, record size, lag), `python -m sizing` works out shards, parallelization, batch size,
concurrency and the monthly cost, and recommends a configuration. Prices and limits come from one
data file, aws_prices_limits.json, that names its sources.
"""
