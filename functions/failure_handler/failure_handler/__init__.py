"""Archives Kinesis batches the event source mapping gave up on; handler `failure_handler.lambda_handler.handler`.

Empty on purpose: the `replay` command and tests import submodules without the function's environment.
"""
