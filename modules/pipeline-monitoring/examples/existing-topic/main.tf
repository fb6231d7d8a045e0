# Alarms for a pipeline on a provisioned stream, notifying the team's existing on-call topic,
# with a failure handler whose Destinations failure queue is watched too.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region of the pipeline."
  type        = string
  default     = "eu-west-1"
}

variable "on_call_topic_arn" {
  description = "Existing SNS topic of the on-call team (if it is KMS-encrypted, its key policy needs the module's topic_kms_key_policy_statements)."
  type        = string
  default     = "arn:aws:sns:eu-west-1:111122223333:on-call"
}

variable "event_source_mapping_uuid" {
  description = "UUID of the stream's event source mapping (kinesis-event-source's uuid output)."
  type        = string
  default     = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
}

module "monitoring" {
  source = "../.."

  name                              = "orders"
  stream_name                       = "orders"
  stream_mode                       = "PROVISIONED"
  stream_retention_hours            = 168
  records_at_risk_retention_percent = 25
  processor_function_name           = "orders-processor"
  processor_timeout_seconds         = 120
  event_source_mapping_uuid         = var.event_source_mapping_uuid
  failure_handler_function_name     = "orders-failure-handler"
  failure_queue_name                = "orders-failure-handler-failed"
  iterator_age_lagging_threshold_ms = 300000
  alarm_topic_arn                   = var.on_call_topic_arn
  tags                              = { team = "orders" }
}

output "alarm_arns" {
  description = "Alarm ARNs by purpose."
  value       = module.monitoring.alarm_arns
}

output "thresholds" {
  description = "The thresholds the alarms use."
  value       = module.monitoring.thresholds
}
