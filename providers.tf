# No endpoints or credentials here: the standard AWS environment (AWS_PROFILE,
# AWS_ENDPOINT_URL for a local emulator, ...) decides where this deploys.
provider "aws" {
  region            = var.region
  s3_use_path_style = var.s3_use_path_style

  default_tags {
    tags = merge(var.tags, { Pipeline = var.name })
  }
}
