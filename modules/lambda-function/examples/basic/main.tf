# The stream_processor function of this repository, deployed straight from
# dist/manifest.json (run `make build` at the repository root first).
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

locals {
  manifest = jsondecode(file("${var.repo_root}/dist/manifest.json"))
}

module "function" {
  source = "../.."

  function_name = "example-stream-processor"
  artifact      = local.manifest.artifacts["stream_processor"]
  artifact_root = var.repo_root
  memory_size   = 512
  timeout       = 30
  environment_variables = {
    LOG_LEVEL = "INFO"
  }
}

output "function_arn" {
  description = "ARN of the deployed function."
  value       = module.function.function_arn
}
