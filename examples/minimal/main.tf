# A whole Kinesis -> Lambda pipeline around one function of your own (examples/functions/, built
# with `build.py --root examples build`): stream, key, mapping, dead-letter queue, on-failure
# queue, alarms.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

module "clicks" {
  source = "../../modules/kinesis-lambda-pipeline"

  name          = "clicks"
  artifact      = jsondecode(file("${path.module}/../dist/manifest.json")).artifacts["click_counter"]
  artifact_root = "${path.module}/.."
}

output "stream_name" {
  description = "Stream to write clicks to."
  value       = module.clicks.stream_name
}
