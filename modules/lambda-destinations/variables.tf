variable "function_name" {
  description = "Name or ARN of the asynchronously invoked function (e.g. subscribed to SNS or S3 events)."
  type        = string

  validation {
    condition     = length(var.function_name) >= 1 && length(var.function_name) <= 140
    error_message = "function_name must be a function name or ARN (1-140 characters)."
  }
}

variable "qualifier" {
  description = "Version or alias the configuration applies to; null applies it to $LATEST."
  type        = string
  default     = null
}

variable "maximum_retry_attempts" {
  description = "Retries Lambda makes after a failed asynchronous invocation (0-2)."
  type        = number
  default     = 2

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "Oldest event age Lambda still attempts (60-21600 s); older events go to the on-failure destination."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number from 60 to 21600."
  }
}

variable "on_success_destination_arn" {
  description = "Standard SQS queue, standard SNS topic, EventBridge bus or Lambda function ARN that receives the record of each successful invocation; null for none. Not an S3 bucket (failures only) nor a FIFO queue or topic (Lambda cannot deliver to them)."
  type        = string
  default     = null

  validation {
    condition     = var.on_success_destination_arn == null || can(regex("^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+|sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+|events:[a-z0-9-]+:[0-9]{12}:event-bus/[a-zA-Z0-9_./-]+|lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9$_-]+)?)$", var.on_success_destination_arn))
    error_message = "on_success_destination_arn must be an SQS queue, SNS topic, EventBridge event bus or Lambda function ARN (an S3 bucket takes failures only)."
  }
  validation {
    condition     = var.on_success_destination_arn == null || !can(regex("^arn:[^:]+:(sqs|sns):.*\\.fifo$", var.on_success_destination_arn))
    error_message = "on_success_destination_arn must not be a FIFO queue or topic (.fifo): Lambda delivers invocation records only to standard SQS queues and SNS topics."
  }
}

variable "on_failure_destination_arn" {
  description = "Standard SQS queue, standard SNS topic, S3 bucket, EventBridge bus or Lambda function ARN that receives the record of events whose retries are exhausted (not a FIFO queue or topic: Lambda cannot deliver to them). Required unless allow_no_on_failure_destination is true."
  type        = string
  default     = null

  validation {
    condition     = var.on_failure_destination_arn == null || can(regex("^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+|sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]+|s3:::[a-z0-9.-]{3,63}|events:[a-z0-9-]+:[0-9]{12}:event-bus/[a-zA-Z0-9_./-]+|lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9$_-]+)?)$", var.on_failure_destination_arn))
    error_message = "on_failure_destination_arn must be an SQS queue, SNS topic, S3 bucket, EventBridge event bus or Lambda function ARN."
  }
  validation {
    condition     = var.on_failure_destination_arn == null || !can(regex("^arn:[^:]+:(sqs|sns):.*\\.fifo$", var.on_failure_destination_arn))
    error_message = "on_failure_destination_arn must not be a FIFO queue or topic (.fifo): Lambda delivers invocation records only to standard SQS queues and SNS topics."
  }
  validation {
    condition     = var.on_failure_destination_arn != null || var.allow_no_on_failure_destination
    error_message = "on_failure_destination_arn is required: without it, events that exhaust their retries are dropped. Set allow_no_on_failure_destination = true to accept that."
  }
}

variable "allow_no_on_failure_destination" {
  description = "Explicit opt-out of the on-failure destination (failed events are then dropped)."
  type        = bool
  default     = false
}

variable "destination_kms_key_arns" {
  description = "Customer-managed KMS keys of encrypted destination queues, topics or buckets (SSE-KMS), to grant kms:GenerateDataKey and kms:Decrypt on them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.destination_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", k))])
    error_message = "destination_kms_key_arns must be KMS key ARNs."
  }
}
