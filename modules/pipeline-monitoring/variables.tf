variable "name" {
  description = "Prefix of the alarm names, the dashboard name and the created topic's name (1-64 letters, digits, '-' or '_')."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, '-' or '_' (a CloudWatch dashboard name allows no other characters)."
  }
}

# --- the pipeline --------------------------------------------------------------

variable "stream_name" {
  description = "Name of the Kinesis data stream the pipeline reads."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.stream_name))
    error_message = "stream_name must be a Kinesis stream name: 1-128 letters, digits, '_', '-' or '.' (not an ARN)."
  }
}

variable "stream_retention_hours" {
  description = "The stream's retention period in hours (24-8760), as configured on the stream: the records-at-risk alarm fires at a share of it."
  type        = number

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760 && floor(var.stream_retention_hours) == var.stream_retention_hours
    error_message = "stream_retention_hours must be a whole number of hours from 24 to 8760, the stream's retention_period."
  }
}

variable "stream_mode" {
  description = "The stream's capacity mode, ON_DEMAND or PROVISIONED; read/write throughput-exceeded alarms exist only for PROVISIONED, whose shard count is yours to raise."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "processor_function_name" {
  description = "Name (not ARN) of the Lambda function the event source mapping invokes: the FunctionName dimension of its metrics."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.processor_function_name))
    error_message = "processor_function_name must be a Lambda function name: 1-64 letters, digits, '-' or '_' (not an ARN)."
  }
}

variable "processor_timeout_seconds" {
  description = "The processor's timeout in seconds (1-900): the duration alarm fires at duration_timeout_percent of it."
  type        = number

  validation {
    condition     = var.processor_timeout_seconds >= 1 && var.processor_timeout_seconds <= 900 && floor(var.processor_timeout_seconds) == var.processor_timeout_seconds
    error_message = "processor_timeout_seconds must be a whole number from 1 to 900, the function's timeout."
  }
}

variable "event_source_mapping_uuid" {
  description = "UUID of the stream -> processor event source mapping (kinesis-event-source's uuid output): the EventSourceMappingUUID dimension of its event counts, which it publishes only with metrics_config EventCount."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.event_source_mapping_uuid))
    error_message = "event_source_mapping_uuid must be the mapping's UUID (8-4-4-4-12 lowercase hex digits), e.g. module.mapping.uuid."
  }
}

variable "failure_handler_function_name" {
  description = "Name of the function that handles batches the mapping gave up on (behind its on-failure destination), to alarm on its errors and throttles; null when there is none."
  type        = string
  default     = null

  validation {
    condition     = var.failure_handler_function_name == null || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.failure_handler_function_name))
    error_message = "failure_handler_function_name must be null or a Lambda function name: 1-64 letters, digits, '-' or '_' (not an ARN)."
  }
}

variable "dead_letter_queue_name" {
  description = "Name of the SQS queue the processor sends poison records to; null when there is none."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_queue_name == null || can(regex("^[a-zA-Z0-9_-]{1,80}$|^[a-zA-Z0-9_-]{1,75}\\.fifo$", var.dead_letter_queue_name))
    error_message = "dead_letter_queue_name must be null or an SQS queue name: 1-80 letters, digits, '-' or '_' (FIFO names end in .fifo), not a URL or ARN."
  }
}

variable "failure_queue_name" {
  description = "Name of the SQS queue that receives what failed after the processor: the failure handler's Destinations on-failure queue, or the mapping's on-failure destination when that is a queue; null when there is none."
  type        = string
  default     = null

  validation {
    condition     = var.failure_queue_name == null || can(regex("^[a-zA-Z0-9_-]{1,80}$|^[a-zA-Z0-9_-]{1,75}\\.fifo$", var.failure_queue_name))
    error_message = "failure_queue_name must be null or an SQS queue name: 1-80 letters, digits, '-' or '_' (FIFO names end in .fifo), not a URL or ARN."
  }
}

# --- thresholds ----------------------------------------------------------------

variable "iterator_age_lagging_threshold_ms" {
  description = "IteratorAge (ms) above which the processor is lagging: records wait longer than this to be processed. Must be below the records-at-risk threshold."
  type        = number
  default     = 60000

  validation {
    condition     = var.iterator_age_lagging_threshold_ms >= 1000 && var.iterator_age_lagging_threshold_ms < var.stream_retention_hours * 36000 * var.records_at_risk_retention_percent
    error_message = "iterator_age_lagging_threshold_ms must be at least 1000 and below the records-at-risk threshold (stream_retention_hours x 3,600,000 ms x records_at_risk_retention_percent / 100)."
  }
}

variable "records_at_risk_retention_percent" {
  description = "Share of the stream's retention (1-99 %) the oldest unprocessed record may reach before the records-at-risk alarm fires; the rest is the time left to act before records expire unread."
  type        = number
  default     = 50

  validation {
    condition     = var.records_at_risk_retention_percent >= 1 && var.records_at_risk_retention_percent <= 99
    error_message = "records_at_risk_retention_percent must be from 1 to 99."
  }
}

variable "duration_timeout_percent" {
  description = "Share of the processor's timeout (1-99 %) its Maximum duration may reach before the duration alarm fires, ahead of timeouts (which retry the whole batch)."
  type        = number
  default     = 80

  validation {
    condition     = var.duration_timeout_percent >= 1 && var.duration_timeout_percent <= 99
    error_message = "duration_timeout_percent must be from 1 to 99."
  }
}

variable "errors_threshold" {
  description = "Function errors per period (Sum) above which the errors alarms fire, in evaluation_periods periods in a row. With partial batch responses a healthy processor has none."
  type        = number
  default     = 0

  validation {
    condition     = var.errors_threshold >= 0 && floor(var.errors_threshold) == var.errors_threshold
    error_message = "errors_threshold must be a whole number >= 0."
  }
}

variable "queue_oldest_message_age_threshold_seconds" {
  description = "ApproximateAgeOfOldestMessage (s) above which a dead-letter or failure queue alarms a second time: its messages wait unhandled and approach the queue's retention."
  type        = number
  default     = 86400

  validation {
    condition     = var.queue_oldest_message_age_threshold_seconds >= 60 && var.queue_oldest_message_age_threshold_seconds <= 1209600 && floor(var.queue_oldest_message_age_threshold_seconds) == var.queue_oldest_message_age_threshold_seconds
    error_message = "queue_oldest_message_age_threshold_seconds must be a whole number from 60 to 1209600 (SQS keeps a message at most 14 days)."
  }
}

# --- evaluation ----------------------------------------------------------------

variable "period_seconds" {
  description = "Period of every alarm in seconds: 10, 20, 30 or a multiple of 60. Lambda, SQS and Kinesis publish per minute, so below 60 is only useful where metrics come faster (a local emulator)."
  type        = number
  default     = 60

  validation {
    condition     = contains([10, 20, 30], var.period_seconds) || (var.period_seconds >= 60 && var.period_seconds % 60 == 0)
    error_message = "period_seconds must be 10, 20, 30 or a multiple of 60 (CloudWatch's allowed alarm periods)."
  }
}

variable "evaluation_periods" {
  description = "Periods in a row a sustained condition (lagging, errors, throttles, stream throughput) must breach before its alarm fires. Loss, records at risk, duration and queue depth alarm on the first breaching period."
  type        = number
  default     = 3

  validation {
    condition     = var.evaluation_periods >= 1 && floor(var.evaluation_periods) == var.evaluation_periods && var.evaluation_periods * var.period_seconds <= 86400
    error_message = "evaluation_periods must be a whole number >= 1, and evaluation_periods x period_seconds at most 86400 (one day, CloudWatch's limit)."
  }
}

# --- notifications -------------------------------------------------------------

variable "alarm_topic_arn" {
  description = "Existing SNS topic every alarm notifies (ALARM and OK); null creates one, encrypted with topic_kms_key_arn."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>); CloudWatch cannot notify a FIFO topic."
  }
}

variable "topic_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the created topic; required when alarm_topic_arn is null. Its policy must let CloudWatch use it: add topic_kms_key_policy_statements (the AWS-managed alias/aws/sns key cannot be granted to CloudWatch)."
  type        = string
  default     = null

  validation {
    condition     = var.topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.topic_kms_key_arn))
    error_message = "topic_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
  validation {
    condition     = var.alarm_topic_arn != null || var.topic_kms_key_arn != null
    error_message = "topic_kms_key_arn is required when alarm_topic_arn is null: the created alarm topic is always encrypted, with a customer-managed key CloudWatch may use. Pass one, or pass alarm_topic_arn."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
