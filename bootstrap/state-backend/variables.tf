variable "region" {
  description = "AWS region of the state bucket and its KMS key."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "bucket_name" {
  description = "Name of the state bucket. Default: terraform-state-<account id>-<region>, unique per account and region."
  type        = string
  default     = null

  validation {
    # S3's naming rules, without dots: a dotted name breaks TLS on virtual-hosted addresses.
    condition = var.bucket_name == null ? true : alltrue([
      can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)),
      !startswith(var.bucket_name, "xn--"), !startswith(var.bucket_name, "sthree-"),
      !endswith(var.bucket_name, "-s3alias"), !endswith(var.bucket_name, "--ol-s3"),
    ])
    error_message = "bucket_name must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, without S3's reserved prefixes (xn--, sthree-) and suffixes (-s3alias, --ol-s3)."
  }
}

variable "state_key" {
  description = "Object key of the state (the S3 backend's `key`); the lock file is this key + \".tflock\"."
  type        = string
  default     = "kinesis-lambda-pipeline/terraform.tfstate"

  validation {
    # The S3 backend refuses a key that starts or ends with '/'; a '//' would not survive the
    # path.Join of a workspace's state path.
    condition = alltrue([
      length(var.state_key) > 0, length(var.state_key) <= 1000, !startswith(var.state_key, "/"),
      !endswith(var.state_key, "/"), !strcontains(var.state_key, "//"), !endswith(var.state_key, ".tflock"),
    ])
    error_message = "state_key must be 1-1000 characters, must not start or end with '/', contain '//' or end with '.tflock' (the lock file's suffix), e.g. kinesis-lambda-pipeline/terraform.tfstate."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a superseded state version (and a released lock file) is kept before S3 expires it: the window in which an earlier state can be restored."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days from 1 to 3650."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period (7-30 days) before the state key is deleted once scheduled for deletion; every state version is unreadable without it."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (AWS's range)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
