output "stream_name" {
  description = "Kinesis stream producers write clickstream records to."
  value       = module.pipeline.stream_name
}

output "stream_arn" {
  description = "ARN of the stream."
  value       = module.pipeline.stream_arn
}

output "stream_processor_function_name" {
  description = "Function that processes the stream."
  value       = module.pipeline.function_name
}

output "stream_processor_alias_arn" {
  description = "Alias of stream_processor that the event source mapping invokes (null when processor_alias_name is null)."
  value       = module.pipeline.function_alias_arn
}

output "failure_handler_function_name" {
  description = "Function that archives failed batches."
  value       = module.pipeline.failure_handler_function_name
}

output "event_source_mapping_uuid" {
  description = "Id of the stream -> stream_processor mapping."
  value       = module.pipeline.event_source_mapping_uuid
}

output "dead_letter_queue_url" {
  description = "Queue of poison records (payload and reason)."
  value       = module.pipeline.dead_letter_queue_url
}

output "batch_failure_topic_arn" {
  description = "SNS topic that receives the metadata of batches whose retries were exhausted."
  value       = module.pipeline.on_failure_destination_arn
}

output "failure_handler_outcome_queue_urls" {
  description = "Queues receiving failure_handler's own asynchronous outcomes (succeeded, failed)."
  value       = module.pipeline.failure_handler_outcome_queue_urls
}

output "archive_bucket" {
  description = "Bucket failed batches are archived to (under archive_prefix); dead-letter messages too large for SQS are kept there too (under dead_letter_prefix)."
  value       = module.pipeline.archive_bucket
}

output "archive_prefix" {
  description = "Key prefix of the failed-batch archives in archive_bucket."
  value       = module.pipeline.archive_prefix
}

output "artifact_bucket" {
  description = "Bucket the zips marked upload_via_s3 are deployed from (artifact_bucket, or the one created for them); null when no zip needs S3."
  value       = local.artifact_bucket
}

output "db_proxy_endpoint" {
  description = "RDS Proxy endpoint the functions connect to (TLS, IAM auth)."
  value       = module.db_proxy.endpoint
}

output "db_name" {
  description = "PostgreSQL database the stream processor writes to."
  value       = aws_db_instance.database.db_name
}

output "db_username" {
  description = "Database user the functions log in as (through the proxy)."
  value       = aws_db_instance.database.username
}

output "db_secret_arn" {
  description = "RDS-managed secret holding the database login."
  value       = local.db_secret_arn
}

output "vpc_id" {
  description = "VPC of the pipeline."
  value       = module.network.vpc_id
}

output "vpc_endpoint_services" {
  description = "AWS services reachable from the private subnets through VPC endpoints."
  value       = module.endpoints.services
}

output "kms_key_arn" {
  description = "Key that encrypts the stream, queues, topic, archive, database, logs and the created artifact bucket."
  value       = aws_kms_key.pipeline.arn
}

output "alarm_names" {
  description = "CloudWatch alarms of the pipeline by purpose (lag, records at risk, dropped, on-failure, errors, throttles, duration, queues)."
  value       = module.pipeline.alarm_names
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify on ALARM and OK: subscribe the on-call channel to it."
  value       = module.pipeline.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.pipeline.dashboard_name
}
