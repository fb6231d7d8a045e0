# Where the pipeline's resources lived before main.tf called modules/kinesis-lambda-pipeline:
# a stack applied before then keeps its stream, queues, archive and functions (no replacement).
# Remove these blocks once every such stack has been applied with them.

moved {
  from = aws_sqs_queue.dead_letter
  to   = module.pipeline.aws_sqs_queue.dead_letter
}

moved {
  from = aws_sns_topic.batch_failures
  to   = module.pipeline.aws_sns_topic.batch_failures[0]
}

moved {
  from = aws_sqs_queue.handler_outcomes
  to   = module.pipeline.aws_sqs_queue.handler_outcomes
}

moved {
  from = aws_s3_bucket.archive
  to   = module.pipeline.aws_s3_bucket.archive[0]
}

moved {
  from = aws_s3_bucket_public_access_block.archive
  to   = module.pipeline.aws_s3_bucket_public_access_block.archive[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.archive
  to   = module.pipeline.aws_s3_bucket_ownership_controls.archive[0]
}

moved {
  from = aws_s3_bucket_versioning.archive
  to   = module.pipeline.aws_s3_bucket_versioning.archive[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.archive
  to   = module.pipeline.aws_s3_bucket_server_side_encryption_configuration.archive[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.archive
  to   = module.pipeline.aws_s3_bucket_lifecycle_configuration.archive[0]
}

moved {
  from = aws_s3_bucket_policy.archive
  to   = module.pipeline.aws_s3_bucket_policy.archive[0]
}

moved {
  from = module.stream
  to   = module.pipeline.module.stream[0]
}

moved {
  from = module.processor_mapping
  to   = module.pipeline.module.mapping
}

moved {
  from = module.stream_processor
  to   = module.pipeline.module.function
}

moved {
  from = module.failure_handler
  to   = module.pipeline.module.failure_handler[0]
}

moved {
  from = module.failure_handler_destinations
  to   = module.pipeline.module.failure_handler_destinations[0]
}

moved {
  from = aws_lambda_permission.failure_topic
  to   = module.pipeline.aws_lambda_permission.failure_topic[0]
}

moved {
  from = aws_sns_topic_subscription.failure_handler
  to   = module.pipeline.aws_sns_topic_subscription.failure_handler[0]
}

moved {
  from = module.monitoring
  to   = module.pipeline.module.monitoring
}
