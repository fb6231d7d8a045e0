# A provisioned stream with a customer-managed key, one week of retention,
# shard metrics and an enhanced fan-out consumer for the Lambda function.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "stream" {
  description         = "Kinesis example stream"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountManagesKeyThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

module "stream" {
  source = "../.."

  name                           = "example-clicks"
  stream_mode                    = "PROVISIONED"
  shard_count                    = 2
  retention_period               = 168
  kms_key_id                     = aws_kms_key.stream.arn
  shard_level_metrics            = ["IncomingRecords", "IteratorAgeMilliseconds"]
  enhanced_fan_out_consumer_name = "example-processor"
}

output "event_source_arn" {
  description = "What to pass to the event source mapping."
  value       = module.stream.event_source_arn
}
