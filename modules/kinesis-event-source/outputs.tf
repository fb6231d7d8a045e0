output "uuid" {
  description = "Id of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "arn" {
  description = "ARN of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.arn
}

output "event_source_arn" {
  description = "What the mapping reads: the fan-out consumer when given, else the stream."
  value       = local.event_source_arn
}

output "on_failure_destination_arn" {
  description = "Where batches that exhausted their retries go (null when opted out)."
  value       = var.on_failure_destination_arn
}

output "iam_statements" {
  description = "IAM statements the function's role needs for this mapping (read the stream, write the destination, use their keys); pass them to lambda-function's policy_statements."
  value       = local.iam_statements
}
