# The reference clickstream pipeline of this repository, consumed as a module: the repository's
# root module (VPC with endpoints and no NAT, PostgreSQL behind RDS Proxy with IAM auth, and one
# kinesis-lambda-pipeline call with the stream_processor and failure_handler). It is called rather
# than copied: the root stays the one definition, deployed as it is by `make up` and here as a module.
# Run `make build` at the repository root first.
variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

module "clickstream" {
  source = "../.."

  name                           = "clickstream"
  region                         = var.region
  stream_retention_hours         = 72
  processor_reserved_concurrency = 20 # caps the connections to the database
  db_multi_az                    = true
}

output "stream_name" {
  description = "Stream producers write clickstream records to."
  value       = module.clickstream.stream_name
}

output "db_proxy_endpoint" {
  description = "RDS Proxy endpoint the stream processor writes through."
  value       = module.clickstream.db_proxy_endpoint
}

output "alarm_topic_arn" {
  description = "Topic the pipeline's alarms notify: subscribe the on-call channel."
  value       = module.clickstream.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.clickstream.dashboard_name
}
