variable "name" {
  description = "Name of the Kinesis data stream (1-128 characters: letters, digits, '_', '-', '.')."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "stream_mode" {
  description = "Capacity mode: ON_DEMAND (scales automatically) or PROVISIONED (fixed shard_count)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "shard_count" {
  description = "Number of shards; required when stream_mode is PROVISIONED, must be null for ON_DEMAND."
  type        = number
  default     = null

  validation {
    condition = (var.shard_count == null ? var.stream_mode == "ON_DEMAND" : (
      var.stream_mode == "PROVISIONED" && var.shard_count >= 1 && var.shard_count <= 10000 && floor(var.shard_count) == var.shard_count
    ))
    error_message = "shard_count must be a whole number 1-10000 when stream_mode is PROVISIONED, and null when it is ON_DEMAND."
  }
}

variable "retention_period" {
  description = "Hours a record stays readable in the stream (24-8760)."
  type        = number
  default     = 24

  validation {
    condition     = var.retention_period >= 24 && var.retention_period <= 8760 && floor(var.retention_period) == var.retention_period
    error_message = "retention_period must be a whole number of hours from 24 to 8760."
  }
}

variable "kms_key_id" {
  description = "KMS key (ARN, key id or alias) for server-side encryption. The default is the AWS-managed key of Kinesis; pass your own key to control its policy."
  type        = string
  default     = "alias/aws/kinesis"

  validation {
    condition     = length(var.kms_key_id) > 0
    error_message = "kms_key_id must not be empty: encryption is always on; use \"alias/aws/kinesis\" for the AWS-managed key."
  }
}

variable "shard_level_metrics" {
  description = "Enhanced shard-level CloudWatch metrics to enable (extra cost). Empty disables them."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([for m in var.shard_level_metrics : contains([
      "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
      "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
      "IteratorAgeMilliseconds", "ALL",
    ], m)])
    error_message = "shard_level_metrics entries must be IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds or ALL."
  }
}

variable "enhanced_fan_out_consumer_name" {
  description = "When set, registers an enhanced fan-out consumer with this name (dedicated 2 MB/s per shard for one reader, e.g. the Lambda event source mapping)."
  type        = string
  default     = null

  validation {
    condition     = var.enhanced_fan_out_consumer_name == null || can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.enhanced_fan_out_consumer_name))
    error_message = "enhanced_fan_out_consumer_name must be null or 1-128 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "enforce_consumer_deletion" {
  description = "Deregister consumers when the stream is destroyed (otherwise destroy fails while consumers exist)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
