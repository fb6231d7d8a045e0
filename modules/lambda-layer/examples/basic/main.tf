# The `common` layer of this repository, published from dist/manifest.json
# (run `make build` at the repository root first).
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

module "layer" {
  source = "../.."

  layer_name    = "example-common"
  artifact      = local.manifest.artifacts["common"]
  artifact_root = var.repo_root
}

output "layer_version_arn" {
  description = "What a function's layers list takes."
  value       = module.layer.layer_version_arn
}
