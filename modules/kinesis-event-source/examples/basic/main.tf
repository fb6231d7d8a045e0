# A mapping from an existing stream to an existing function with an SQS
# on-failure destination; the IAM statements go to the function's role.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

variable "function_name" {
  description = "Existing Lambda function that processes the stream."
  type        = string
  default     = "example-stream-processor"
}

variable "stream_arn" {
  description = "Existing Kinesis stream to read."
  type        = string
  default     = "arn:aws:kinesis:eu-west-1:111122223333:stream/example-clicks"
}

resource "aws_sqs_queue" "failures" {
  name                    = "example-clicks-failed-batches"
  sqs_managed_sse_enabled = true
}

module "mapping" {
  source = "../.."

  function_name                      = var.function_name
  stream_arn                         = var.stream_arn
  batch_size                         = 500
  maximum_batching_window_in_seconds = 5
  parallelization_factor             = 4
  on_failure_destination_arn         = aws_sqs_queue.failures.arn
  filter_patterns                    = [jsonencode({ data = { type = ["click"] } })]
  tags                               = { pipeline = "example-clicks" }
  # metrics = ["EventCount"] is the default: the mapping's dropped / on-failure counts are published.
}

output "iam_statements" {
  description = "Statements to add to the function's role (lambda-function policy_statements)."
  value       = module.mapping.iam_statements
}
