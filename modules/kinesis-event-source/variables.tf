variable "function_name" {
  description = "The Lambda function that processes the stream: its name or ARN, or a qualified ARN naming an alias or version (lambda-function's target_arn output), so the mapping runs the version the alias points at."
  type        = string

  validation {
    condition     = length(var.function_name) >= 1 && length(var.function_name) <= 140
    error_message = "function_name must be a function name or ARN (1-140 characters)."
  }
  validation {
    condition     = can(regex("^((arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?[0-9]{12}:function:)?[a-zA-Z0-9_-]{1,64}(:(\\$LATEST|[a-zA-Z0-9_-]{1,128}))?$", var.function_name))
    error_message = "function_name must be a function name, a function ARN, or an ARN qualified by an alias or version (arn:aws:lambda:<region>:<account>:function:<name>:<alias>)."
  }
}

variable "stream_arn" {
  description = "ARN of the Kinesis data stream (the IAM statements are scoped to it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]{1,128}$", var.stream_arn))
    error_message = "stream_arn must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)."
  }
}

variable "consumer_arn" {
  description = "ARN of an enhanced fan-out consumer of that stream to read through (dedicated throughput); null reads the stream directly."
  type        = string
  default     = null

  validation {
    condition     = var.consumer_arn == null || can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]+/consumer/[a-zA-Z0-9_.-]+:[0-9]+$", var.consumer_arn))
    error_message = "consumer_arn must be null or a Kinesis consumer ARN (arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<timestamp>)."
  }
}

variable "stream_kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the stream, to grant kms:Decrypt on it; null when the stream uses the AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.stream_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.stream_kms_key_arn))
    error_message = "stream_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "enabled" {
  description = "Whether the mapping polls the stream."
  type        = bool
  default     = true
}

variable "batch_size" {
  description = "Largest number of records per invocation (1-10000); the batch must also fit the 6 MB invocation payload."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "Seconds to gather records before invoking (0-300); larger windows mean fewer, fuller batches."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300 && floor(var.maximum_batching_window_in_seconds) == var.maximum_batching_window_in_seconds
    error_message = "maximum_batching_window_in_seconds must be a whole number from 0 to 300."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard (1-10); order is kept per partition key."
  type        = number
  default     = 1

  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10 && floor(var.parallelization_factor) == var.parallelization_factor
    error_message = "parallelization_factor must be a whole number from 1 to 10."
  }
}

variable "starting_position" {
  description = "Where a new mapping starts reading: TRIM_HORIZON (oldest record, loses nothing), LATEST or AT_TIMESTAMP."
  type        = string
  default     = "TRIM_HORIZON"

  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"], var.starting_position)
    error_message = "starting_position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP."
  }
}

variable "starting_position_timestamp" {
  description = "RFC 3339 time to start reading from; required with AT_TIMESTAMP and only then."
  type        = string
  default     = null

  validation {
    condition = (var.starting_position == "AT_TIMESTAMP") == (var.starting_position_timestamp != null) && (
      var.starting_position_timestamp == null ? true : can(formatdate("YYYY", var.starting_position_timestamp))
    )
    error_message = "starting_position_timestamp must be an RFC 3339 time (e.g. 2026-01-01T00:00:00Z) when starting_position is AT_TIMESTAMP, and null otherwise."
  }
}

variable "bisect_batch_on_function_error" {
  description = "Split a failing batch in two and retry each half, isolating poison records."
  type        = bool
  default     = true
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before it goes to the on-failure destination (-1 = until the record expires, up to 10000)."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_retry_attempts >= -1 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from -1 to 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the on-failure destination instead of being retried (-1 = never, or 60-604800)."
  type        = number
  default     = 86400

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 || (var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800 && floor(var.maximum_record_age_in_seconds) == var.maximum_record_age_in_seconds)
    error_message = "maximum_record_age_in_seconds must be -1 or a whole number from 60 to 604800."
  }
}

variable "report_batch_item_failures" {
  description = "Let the function return {\"batchItemFailures\": [...]} so only records from the first failure on are retried."
  type        = bool
  default     = true
}

variable "on_failure_destination_arn" {
  description = "Standard SQS queue, standard SNS topic or S3 bucket ARN that receives the metadata of batches that exhausted their retries (not a FIFO queue or topic: Lambda cannot deliver to them). Required unless allow_no_on_failure_destination is true."
  type        = string
  default     = null

  validation {
    condition     = var.on_failure_destination_arn == null || can(regex("^arn:aws[a-z-]*:(sqs|sns):[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+$|^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", var.on_failure_destination_arn))
    error_message = "on_failure_destination_arn must be an SQS queue, SNS topic or S3 bucket ARN."
  }
  validation {
    condition     = var.on_failure_destination_arn == null || !can(regex("^arn:[^:]+:(sqs|sns):.*\\.fifo$", var.on_failure_destination_arn))
    error_message = "on_failure_destination_arn must not be a FIFO queue or topic (.fifo): Lambda delivers failed-batch records only to standard SQS queues and SNS topics."
  }
  validation {
    condition     = var.on_failure_destination_arn != null || var.allow_no_on_failure_destination
    error_message = "on_failure_destination_arn is required: without it, batches that exhaust their retries are dropped. Set allow_no_on_failure_destination = true to accept that."
  }
}

variable "allow_no_on_failure_destination" {
  description = "Explicit opt-out of the on-failure destination (failed batches are then silently dropped)."
  type        = bool
  default     = false
}

variable "destination_kms_key_arn" {
  description = "ARN of the customer-managed KMS key of the on-failure destination (encrypted queue, topic or bucket), to grant kms:GenerateDataKey and kms:Decrypt on it."
  type        = string
  default     = null

  validation {
    condition     = var.destination_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.destination_kms_key_arn))
    error_message = "destination_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "tumbling_window_in_seconds" {
  description = "Aggregation window for stateful processing (0 = off, up to 900)."
  type        = number
  default     = 0

  validation {
    condition     = var.tumbling_window_in_seconds >= 0 && var.tumbling_window_in_seconds <= 900 && floor(var.tumbling_window_in_seconds) == var.tumbling_window_in_seconds
    error_message = "tumbling_window_in_seconds must be a whole number from 0 to 900."
  }
}

variable "filter_patterns" {
  description = "Event filtering: JSON patterns; a record is processed when any pattern matches, others are dropped. Lambda's default quota is 5 filters per event source mapping, which AWS raises on request up to 10: more than 10 is rejected here, 6-10 only work where the quota was raised."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.filter_patterns : can(jsondecode(p))])
    error_message = "filter_patterns must be valid JSON patterns, e.g. {\"data\": {\"type\": [\"click\"]}}."
  }
  validation {
    condition     = length(var.filter_patterns) <= 10
    error_message = "filter_patterns: at most 10 filters per event source mapping, AWS's hard limit (the default quota is 5; ask AWS to raise it for 6-10). Merge patterns that test the same field."
  }
}

variable "filter_criteria_kms_key_arn" {
  description = "ARN of a customer-managed KMS key Lambda encrypts the filter patterns with (they may name sensitive values); null keeps Lambda's own key. The key's policy needs filter_criteria_key_policy_statements, the principal that applies this module deployer_iam_statements."
  type        = string
  default     = null

  validation {
    condition     = var.filter_criteria_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.filter_criteria_kms_key_arn))
    error_message = "filter_criteria_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias is not accepted."
  }
}

variable "metrics" {
  description = "Metric groups the mapping publishes to CloudWatch (metrics_config). EventCount (the default) gives PolledEventCount, FilteredOutEventCount, InvokedEventCount, FailedInvokeEventCount, DroppedEventCount and OnFailureDestinationDeliveredEventCount per EventSourceMappingUUID, which the pipeline-monitoring alarms need; [] turns them off."
  type        = list(string)
  default     = ["EventCount"]

  validation {
    condition     = alltrue([for m in var.metrics : m == "EventCount"]) && length(var.metrics) == length(distinct(var.metrics))
    error_message = "metrics must be [\"EventCount\"] or []: EventCount is the only metric group a Kinesis mapping publishes (ErrorCount and KafkaMetrics are for Kafka sources)."
  }
}

variable "tags" {
  description = "Tags applied to the event source mapping."
  type        = map(string)
  default     = {}
}
