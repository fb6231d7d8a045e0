# Two pipelines on one stream, each reading through its own enhanced fan-out consumer (2 MB/s per
# shard each, instead of sharing the stream's 2 MB/s): "clicks" creates the stream and counts clicks
# per page; "user-activity", another team's, reads the same stream and counts clicks per user.
# Both run examples/functions/click_counter (`build.py --root examples build`).
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

locals {
  click_counter = jsondecode(file("${path.module}/../dist/manifest.json")).artifacts["click_counter"]
}

module "clicks" {
  source = "../../modules/kinesis-lambda-pipeline"

  name                           = "clicks"
  stream_mode                    = "PROVISIONED"
  stream_shard_count             = 2
  enhanced_fan_out_consumer_name = "clicks-per-page"
  artifact                       = local.click_counter
  artifact_root                  = "${path.module}/.."
  environment_variables          = { GROUP_BY = "page" }
}

module "user_activity" {
  source = "../../modules/kinesis-lambda-pipeline"

  name                           = "user-activity"
  create_stream                  = false
  stream_arn                     = module.clicks.stream_arn
  stream_kms_key_arn             = module.clicks.kms_key_arn
  stream_mode                    = "PROVISIONED"
  enhanced_fan_out_consumer_name = "user-activity"
  artifact                       = local.click_counter
  artifact_root                  = "${path.module}/.."
  environment_variables          = { GROUP_BY = "user" }
}

output "stream_name" {
  description = "The one stream both pipelines read: write clicks here."
  value       = module.clicks.stream_name
}

output "consumer_arns" {
  description = "Each pipeline's own fan-out consumer."
  value       = { clicks = module.clicks.consumer_arn, user_activity = module.user_activity.consumer_arn }
}

output "dead_letter_queue_urls" {
  description = "Each pipeline's dead-letter queue: a poison record reaches both."
  value       = { clicks = module.clicks.dead_letter_queue_url, user_activity = module.user_activity.dead_letter_queue_url }
}
