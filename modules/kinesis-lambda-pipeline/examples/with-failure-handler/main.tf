# This repository's stream_processor and failure_handler as one pipeline: a provisioned stream
# read through the pipeline's own enhanced fan-out consumer, poison records to the dead-letter
# queue, exhausted batches to the failure topic and handler, which archives them to S3.
# Run `make build` at the repository root first.
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

variable "database" {
  description = "PostgreSQL the stream_processor writes to: host, database, user and the Secrets Manager secret (JSON username/password) it logs in with."
  type = object({
    host       = string
    name       = string
    user       = string
    secret_arn = string
  })
  default = {
    host       = "clicks-db.example.internal"
    name       = "clicks"
    user       = "clicks_app"
    secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-clicks-db"
  }
}

locals {
  manifest = jsondecode(file("${var.repo_root}/dist/manifest.json"))
}

module "layer" {
  source = "../../../lambda-layer"

  layer_name    = "example-clicks-common"
  artifact      = local.manifest.artifacts["common"]
  artifact_root = var.repo_root
}

module "pipeline" {
  source = "../.."

  name                           = "example-clicks"
  stream_mode                    = "PROVISIONED"
  stream_shard_count             = 2
  enhanced_fan_out_consumer_name = "example-clicks-processor"
  artifact                       = local.manifest.artifacts["stream_processor"]
  artifact_root                  = var.repo_root
  layers                         = [module.layer.layer_version_arn]
  memory_size                    = 512
  batch_size                     = 500
  parallelization_factor         = 2
  maximum_retry_attempts         = 5
  environment_variables = {
    LOG_LEVEL     = "INFO"
    DB_HOST       = var.database.host
    DB_NAME       = var.database.name
    DB_USER       = var.database.user
    DB_AUTH       = "secret"
    DB_SECRET_ARN = var.database.secret_arn
  }
  policy_statements = [{
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database.secret_arn]
  }]
  failure_handler = {
    artifact              = local.manifest.artifacts["failure_handler"]
    layers                = [module.layer.layer_version_arn]
    environment_variables = { LOG_LEVEL = "INFO" }
  }
  archive_force_destroy = true
}

output "stream_name" {
  description = "Stream producers write clickstream records to."
  value       = module.pipeline.stream_name
}

output "event_source_arn" {
  description = "The pipeline's own fan-out consumer, which its mapping reads."
  value       = module.pipeline.event_source_arn
}

output "dead_letter_queue_url" {
  description = "Queue of poison records."
  value       = module.pipeline.dead_letter_queue_url
}

output "archive_bucket" {
  description = "Bucket the failure handler archives exhausted batches to."
  value       = module.pipeline.archive_bucket
}

output "alarm_topic_arn" {
  description = "Topic the pipeline's alarms notify: subscribe the on-call channel."
  value       = module.pipeline.alarm_topic_arn
}
