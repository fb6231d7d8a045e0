# Alarms and a dashboard for an existing Kinesis -> Lambda pipeline, notifying a topic the
# module creates, encrypted with a key whose policy lets CloudWatch publish to it.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region of the pipeline."
  type        = string
  default     = "eu-west-1"
}

variable "stream_name" {
  description = "Existing Kinesis stream the pipeline reads."
  type        = string
  default     = "example-clicks"
}

variable "function_name" {
  description = "Existing Lambda function the stream's event source mapping invokes."
  type        = string
  default     = "example-stream-processor"
}

variable "event_source_mapping_uuid" {
  description = "UUID of that event source mapping (kinesis-event-source's uuid output)."
  type        = string
  default     = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_kms_key" "alarms" {
  description         = "example: encrypts the pipeline's alarm topic"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "AccountManagesKeyThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }], module.monitoring.topic_kms_key_policy_statements)
  })
}

resource "aws_sqs_queue" "poison_records" {
  name                    = "example-clicks-poison-records"
  sqs_managed_sse_enabled = true
}

module "monitoring" {
  source = "../.."

  name                      = "example-clicks"
  stream_name               = var.stream_name
  stream_retention_hours    = 24
  processor_function_name   = var.function_name
  processor_timeout_seconds = 60
  event_source_mapping_uuid = var.event_source_mapping_uuid
  dead_letter_queue_name    = aws_sqs_queue.poison_records.name
  topic_kms_key_arn         = aws_kms_key.alarms.arn
}

output "alarm_names" {
  description = "Alarm names by purpose."
  value       = module.monitoring.alarm_names
}

output "topic_arn" {
  description = "Subscribe the on-call channel here."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.monitoring.dashboard_name
}
