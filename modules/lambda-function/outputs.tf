output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "qualified_arn" {
  description = "ARN of the function including its latest published version."
  value       = aws_lambda_function.this.qualified_arn
}

output "invoke_arn" {
  description = "ARN API Gateway uses to invoke the function: the alias's when alias_name is set, else the unqualified function's ($LATEST)."
  value       = var.alias_name == null ? aws_lambda_function.this.invoke_arn : aws_lambda_alias.this[0].invoke_arn
}

output "target_arn" {
  description = "The ARN callers should name (event source mappings, SNS subscriptions, permissions): the alias ARN when alias_name is set, so the alias decides which version runs; else the unqualified function ARN ($LATEST)."
  value       = var.alias_name == null ? aws_lambda_function.this.arn : aws_lambda_alias.this[0].arn
}

output "version" {
  description = "Latest published version of the function (\"$LATEST\" while publish is false)."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the function's alias; null without one."
  value       = one(aws_lambda_alias.this[*].name)
}

output "alias_arn" {
  description = "ARN of the function's alias; null without one."
  value       = one(aws_lambda_alias.this[*].arn)
}

output "alias_function_version" {
  description = "Version the alias points at; null without an alias."
  value       = one(aws_lambda_alias.this[*].function_version)
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role (attach more policies to it)."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The role's inline least-privilege policy document."
  value       = aws_iam_role_policy.this.policy
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_kms_key_arn" {
  description = "KMS key that encrypts the log group: the key the module created, else log_kms_key_arn (null: CloudWatch's default encryption)."
  value       = local.log_kms_key_arn
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "source_code_hash" {
  description = "Base64 SHA-256 of the deployed zip, as in dist/manifest.json."
  value       = aws_lambda_function.this.source_code_hash
}
