"""An example stream function for modules/kinesis-lambda-pipeline (examples/minimal, examples/two-pipelines-one-stream)."""
