# The stream_processor function published as versions behind a `live` alias, and a Kinesis
# mapping that invokes the alias: each apply publishes the built code as a new version, and the
# alias (so the mapping) follows it unless alias_function_version holds it on an older one.
# Its logs are Lambda's structured JSON.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

variable "repo_root" {
  description = "Directory that holds dist/ (the manifest's paths are relative to it)."
  type        = string
  default     = "../../../.."
}

variable "stream_arn" {
  description = "Existing Kinesis stream the function processes."
  type        = string
  default     = "arn:aws:kinesis:eu-west-1:111122223333:stream/example-clicks"
}

variable "alias_function_version" {
  description = "Version the live alias points at; null follows the version each apply publishes."
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = { LOG_LEVEL = "INFO" }
}

locals {
  manifest = jsondecode(file("${var.repo_root}/dist/manifest.json"))
}

resource "aws_sqs_queue" "failures" {
  name                    = "example-versioned-failed-batches"
  sqs_managed_sse_enabled = true
}

module "function" {
  source = "../.."

  function_name          = "example-versioned-processor"
  artifact               = local.manifest.artifacts["stream_processor"]
  artifact_root          = var.repo_root
  environment_variables  = var.environment_variables
  publish                = true
  alias_name             = "live"
  alias_function_version = var.alias_function_version
  policy_statements      = module.mapping.iam_statements
  logging_config         = { log_format = "JSON" } # structured logs; both levels INFO, AWS's default
}

module "mapping" {
  source = "../../../kinesis-event-source"

  function_name              = module.function.target_arn # the alias ARN: the alias decides which version runs
  stream_arn                 = var.stream_arn
  on_failure_destination_arn = aws_sqs_queue.failures.arn
}

output "version" {
  description = "Version the last apply published."
  value       = module.function.version
}

output "alias_arn" {
  description = "ARN of the live alias, which the mapping invokes."
  value       = module.function.alias_arn
}

output "alias_function_version" {
  description = "Version the live alias points at."
  value       = module.function.alias_function_version
}

output "mapping_function_arn" {
  description = "The function ARN the mapping invokes, as Lambda records it (the alias ARN)."
  value       = module.mapping.function_arn
}
