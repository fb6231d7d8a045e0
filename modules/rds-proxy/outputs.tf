output "proxy_name" {
  description = "Name of the proxy."
  value       = aws_db_proxy.this.name
}

output "proxy_arn" {
  description = "ARN of the proxy."
  value       = aws_db_proxy.this.arn
}

output "endpoint" {
  description = "Host name clients connect to (TLS required)."
  value       = aws_db_proxy.this.endpoint
}

output "port" {
  description = "PostgreSQL port of the proxy."
  value       = var.port
}

output "security_group_id" {
  description = "Security group of the proxy."
  value       = aws_security_group.this.id
}

output "role_arn" {
  description = "Role the proxy uses to read the database secrets."
  value       = aws_iam_role.this.arn
}

output "iam_statements" {
  description = "IAM statement a function needs to connect as db_users with IAM auth (rds-db:connect on this proxy only); pass it to lambda-function's policy_statements. Empty without IAM auth."
  value       = local.iam_statements
}
