# Destinations for an asynchronously invoked function: successes to an
# EventBridge bus, failures to an encrypted SQS queue.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

variable "function_name" {
  description = "Existing asynchronously invoked Lambda function."
  type        = string
  default     = "example-failure-handler"
}

resource "aws_sqs_queue" "failed" {
  name                    = "example-handler-failed"
  sqs_managed_sse_enabled = true
}

resource "aws_cloudwatch_event_bus" "outcomes" {
  name = "example-handler-outcomes"
}

module "destinations" {
  source = "../.."

  function_name                = var.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600
  on_success_destination_arn   = aws_cloudwatch_event_bus.outcomes.arn
  on_failure_destination_arn   = aws_sqs_queue.failed.arn
}

output "iam_statements" {
  description = "Statements to add to the function's role."
  value       = module.destinations.iam_statements
}
