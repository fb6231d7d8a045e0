output "uuid" {
  description = "Id of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "arn" {
  description = "ARN of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.arn
}

output "function_arn" {
  description = "The function the mapping invokes, as Lambda records it: qualified when function_name names an alias or version."
  value       = aws_lambda_event_source_mapping.this.function_arn
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

output "metrics" {
  description = "Metric groups the mapping publishes (EventCount: its event counts per EventSourceMappingUUID in AWS/Lambda)."
  value       = var.metrics
}

output "filter_criteria_key_policy_statements" {
  description = "Key-policy statements (IAM JSON: Sid, Effect, Principal, Action, Resource, Condition) to add to filter_criteria_kms_key_arn's policy so Lambda can decrypt the filter patterns while it polls; [] without that key."
  value       = local.filter_criteria_key_policy_statements
}

output "deployer_iam_statements" {
  description = "IAM statements (sid, actions, resources, conditions) the principal that applies this module needs to create or update a mapping whose filter criteria are encrypted with filter_criteria_kms_key_arn; [] without that key."
  value       = local.deployer_iam_statements
}
