# --- stream --------------------------------------------------------------------

output "stream_arn" {
  description = "ARN of the stream the pipeline reads (created, or stream_arn): producers write here; give it to another pipeline on the same stream."
  value       = local.stream_arn
}

output "stream_name" {
  description = "Name of that stream."
  value       = local.stream_name
}

output "consumer_arn" {
  description = "ARN of this pipeline's enhanced fan-out consumer; null when it reads the stream directly."
  value       = one(aws_kinesis_stream_consumer.this[*].arn)
}

output "event_source_arn" {
  description = "What the event source mapping reads: the consumer when there is one, else the stream."
  value       = module.mapping.event_source_arn
}

# --- the function and its mapping ----------------------------------------------

output "function_name" {
  description = "Name of the function that processes the stream."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of that function (unqualified)."
  value       = module.function.function_arn
}

output "function_alias_arn" {
  description = "ARN of the alias the mapping invokes (null without alias)."
  value       = module.function.alias_arn
}

output "function_version" {
  description = "Latest published version of the function (\"$LATEST\" without alias)."
  value       = module.function.version
}

output "function_role_name" {
  description = "Execution role of the function (attach more policies to it)."
  value       = module.function.role_name
}

output "function_policy_json" {
  description = "The function role's inline least-privilege policy document."
  value       = module.function.policy_json
}

output "event_source_mapping_uuid" {
  description = "Id of the stream -> function event source mapping."
  value       = module.mapping.uuid
}

output "event_source_mapping_arn" {
  description = "ARN of that mapping."
  value       = module.mapping.arn
}

# --- dead letters and failures -------------------------------------------------

output "dead_letter_queue_url" {
  description = "Queue of poison records (payload and reason), which the function gets in dead_letter_queue_url_variable."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "on_failure_destination_arn" {
  description = "SNS topic or SQS queue that receives the description of batches whose retries are exhausted."
  value       = module.mapping.on_failure_destination_arn
}

output "archive_bucket" {
  description = "Bucket of failed batches (under archive_prefix) and of dead letters too large for SQS (under dead_letter_prefix); null when neither is configured."
  value       = local.archive_bucket
}

output "archive_prefix" {
  description = "Key prefix of the failed-batch archives in archive_bucket."
  value       = var.archive_prefix
}

output "failure_handler_function_name" {
  description = "Function that archives failed batches; null without failure_handler."
  value       = one(module.failure_handler[*].function_name)
}

output "failure_handler_outcome_queue_urls" {
  description = "Queues receiving the failure handler's own asynchronous outcomes, by outcome (succeeded, failed); empty without failure_handler."
  value       = { for outcome, queue in aws_sqs_queue.handler_outcomes : outcome => queue.url }
}

# --- encryption and monitoring ---------------------------------------------------

output "kms_key_arn" {
  description = "Key that encrypts the created stream, the queues, topics, archive, log groups and function environments (created, or kms_key_arn)."
  value       = local.kms_key_arn
}

output "kms_key_policy_statements" {
  description = "Key-policy statements (IAM JSON) a key passed as kms_key_arn needs beside its account's: CloudWatch Logs for this pipeline's log groups and, when the module creates the alarm topic, CloudWatch for its alarms. Built from input names only (name, function_name, failure_handler), so the key's own policy can include it unless those inputs depend on the key."
  value       = local.kms_key_policy_statements
}

output "alarm_names" {
  description = "CloudWatch alarms of the pipeline by purpose (lag, records at risk, dropped, on-failure, errors, throttles, duration, queues, stream throughput when provisioned)."
  value       = module.monitoring.alarm_names
}

output "alarm_thresholds" {
  description = "The thresholds the alarms use, derived from the inputs: iterator_age_lagging_ms, iterator_age_at_risk_ms, duration_ms, queue_oldest_message_age_s."
  value       = module.monitoring.thresholds
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify on ALARM and OK (created, or alarm_topic_arn): subscribe the on-call channel to it."
  value       = module.monitoring.topic_arn
}

output "alarm_topic_kms_key_policy_statements" {
  description = "Key-policy statements (IAM JSON) that let CloudWatch publish this pipeline's alarms to a topic encrypted with that key: for the key of an encrypted alarm_topic_arn (the created topic's key gets them through kms_key_policy_statements)."
  value       = module.monitoring.topic_kms_key_policy_statements
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.monitoring.dashboard_name
}
