terraform {
  # use_lockfile (S3-native state locking) exists since Terraform 1.10; the repository needs 1.11.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
