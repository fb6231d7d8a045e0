output "id" {
  description = "Id of the asynchronous invocation configuration."
  value       = aws_lambda_function_event_invoke_config.this.id
}

output "on_success_destination_arn" {
  description = "Where successful invocation records go (null when none)."
  value       = var.on_success_destination_arn
}

output "on_failure_destination_arn" {
  description = "Where failed events go (null when opted out)."
  value       = var.on_failure_destination_arn
}

output "iam_statements" {
  description = "IAM statements the function's role needs to deliver to its destinations; pass them to lambda-function's policy_statements."
  value       = local.iam_statements
}
