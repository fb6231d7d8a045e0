"""Archives Kinesis batches the event source mapping gave up on; handler `failure_archiver.lambda_handler.handler`.

Empty on purpose: the `replay` command and tests import submodules without the function's environment.
"""
