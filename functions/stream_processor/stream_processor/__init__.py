"""Kinesis clickstream processor; Lambda handler `stream_processor.lambda_handler.handler`.

Empty on purpose: importing a submodule (tests, tools, the benchmark) must not read the
function's environment, which only the handler module does.
"""
