variable "name" {
  description = "Name of the pipeline: prefixes every resource it creates (functions, queues, topics, archive bucket, alarms) and names the stream it creates. 2-29 lowercase letters, digits or '-', starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,28}$", var.name))
    error_message = "name must be 2-29 lowercase letters, digits or '-', starting with a letter (it prefixes the archive bucket's name, which S3 limits)."
  }
}

variable "tags" {
  description = "Tags applied to every resource the module creates."
  type        = map(string)
  default     = {}
}

# --- encryption ----------------------------------------------------------------

variable "create_kms_key" {
  description = "Create a customer-managed KMS key (rotated, alias/<name>) that encrypts the stream it creates, the queues, topics, archive bucket, log groups and function environments. false: pass kms_key_arn; its policy needs kms_key_policy_statements. A flag rather than null-ness of kms_key_arn, because a key created in the same configuration has no ARN until apply."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key to encrypt everything with when create_kms_key is false; add this module's kms_key_policy_statements to its policy. Must be null when create_kms_key is true."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? var.create_kms_key : !var.create_kms_key && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) with create_kms_key = false, and null with create_kms_key = true."
  }
}

# --- stream --------------------------------------------------------------------

variable "create_stream" {
  description = "Create the Kinesis stream (named name, encrypted with the pipeline key, through the kinesis-stream module). false: read the stream stream_arn names."
  type        = bool
  default     = true
}

variable "stream_arn" {
  description = "ARN of an existing stream to read when create_stream is false (e.g. another pipeline's stream_arn output); must be null when create_stream is true."
  type        = string
  default     = null

  validation {
    condition     = var.stream_arn == null ? var.create_stream : !var.create_stream && can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]{1,128}$", var.stream_arn))
    error_message = "stream_arn must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>) with create_stream = false, and null with create_stream = true."
  }
}

variable "stream_kms_key_arn" {
  description = "Customer-managed KMS key of the existing stream (create_stream = false), to grant kms:Decrypt on it; null when that stream uses the AWS-managed key. A created stream uses the pipeline key, so this must then be null."
  type        = string
  default     = null

  validation {
    condition     = var.stream_kms_key_arn == null || !var.create_stream && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.stream_kms_key_arn))
    error_message = "stream_kms_key_arn must be null, or a KMS key ARN with create_stream = false (a created stream is encrypted with the pipeline key)."
  }
}

variable "stream_mode" {
  description = "Capacity mode of the stream, ON_DEMAND or PROVISIONED: the mode the stream is created with, or the existing stream's (its throughput alarms exist only for PROVISIONED)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "stream_shard_count" {
  description = "Shards of a created PROVISIONED stream (1-10000); null for ON_DEMAND and for an existing stream."
  type        = number
  default     = null

  validation {
    condition = var.stream_shard_count == null ? !var.create_stream || var.stream_mode == "ON_DEMAND" : (
      var.create_stream && var.stream_mode == "PROVISIONED" && var.stream_shard_count >= 1 && var.stream_shard_count <= 10000 && floor(var.stream_shard_count) == var.stream_shard_count
    )
    error_message = "stream_shard_count must be a whole number 1-10000 for a created PROVISIONED stream, and null otherwise."
  }
}

variable "stream_retention_hours" {
  description = "Hours records stay in the stream (24-8760): the retention a created stream gets, or the existing stream's. The failure handler re-reads failed batches within it, and the records-at-risk alarm fires at half of it."
  type        = number
  default     = 24

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760 && floor(var.stream_retention_hours) == var.stream_retention_hours
    error_message = "stream_retention_hours must be a whole number from 24 to 8760."
  }
}

variable "enhanced_fan_out_consumer_name" {
  description = "Register an enhanced fan-out consumer of this name on the stream and read through it (2 MB/s per shard for this pipeline alone): give each pipeline on a shared stream its own. null reads the stream directly, sharing its 2 MB/s per shard with every other polling reader."
  type        = string
  default     = null

  validation {
    condition     = var.enhanced_fan_out_consumer_name == null || can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.enhanced_fan_out_consumer_name))
    error_message = "enhanced_fan_out_consumer_name must be null or 1-128 letters, digits, '_', '-' or '.'."
  }
}

# --- the function --------------------------------------------------------------

variable "function_name" {
  description = "Name of the function that processes the stream; null names it <name>-stream-processor."
  type        = string
  default     = null

  validation {
    condition     = var.function_name == null || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be null or 1-64 letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "Description of the function (at most 256 characters)."
  type        = string
  default     = "Processes the records of a Kinesis stream"

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "artifact" {
  description = "The function's entry of the build manifest (dist/manifest.json of `make build`, `artifacts[\"<name>\"]`): zip path relative to artifact_root, base64 SHA-256, runtime, architecture, handler, whether it must go through S3. Layers are attached by ARN (layers), not by the entry's layer names."
  type = object({
    kind             = optional(string, "function")
    path             = string
    source_code_hash = string
    zipped_bytes     = optional(number)
    unzipped_bytes   = optional(number)
    runtime          = string
    architecture     = string
    handler          = string
    layers           = optional(list(string), [])
    aws_services     = optional(list(string), [])
    upload_via_s3    = optional(bool, false)
  })

  validation {
    condition     = var.artifact.kind == "function"
    error_message = "artifact must be a manifest entry of kind \"function\"; layers go to the lambda-layer module and reach the function through layers."
  }
}

variable "artifact_root" {
  description = "Directory the manifest's zip paths are relative to (the directory that holds dist/), for the function and the failure handler. Required: the module assumes no repository layout."
  type        = string

  validation {
    condition     = length(trimspace(var.artifact_root)) > 0
    error_message = "artifact_root must be the directory that holds dist/, e.g. path.root when dist/ is next to the root module."
  }
}

variable "artifact_bucket" {
  description = "Existing S3 bucket, in the pipeline's region, for the zips the manifest marks upload_via_s3 (over 50 MB); required only when one of them is."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket)) && !can(regex("\\.\\.|^[0-9.]+$", var.artifact_bucket))
    error_message = "artifact_bucket must be null or an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit, no '..', not an IP address."
  }
}

variable "layers" {
  description = "Layer version ARNs of the function, in order (at most 5), e.g. the lambda-layer module's layer_version_arn."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layers) <= 5 && alltrue([for l in var.layers : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[a-zA-Z0-9_-]+:[0-9]+$", l))])
    error_message = "layers must be at most 5 layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (128-10240); CPU scales with it (1769 MB = one vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Timeout of one invocation in seconds (1-900); the duration alarm fires at 80% of it."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function: -1 leaves it unreserved, N caps it (e.g. to spare a database)."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "environment_variables" {
  description = "Environment of the function. The module adds the dead-letter variables (dead_letter_queue_url_variable, dead_letter_payload_variables); these names are refused here."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", k))])
    error_message = "environment_variables keys must be at least 2 characters, start with a letter and contain only letters, digits and '_'."
  }
  validation {
    condition = length(setintersection(keys(var.environment_variables), compact(concat(
      [var.dead_letter_queue_url_variable],
      var.dead_letter_payload_variables == null ? [] : [var.dead_letter_payload_variables.bucket, var.dead_letter_payload_variables.prefix],
    )))) == 0
    error_message = "environment_variables must not set the dead-letter variables (dead_letter_queue_url_variable, dead_letter_payload_variables): the module sets them to the queue and archive it creates."
  }
}

variable "alias" {
  description = "Publish a version on every deploy and keep an alias the mapping invokes, so a release is rolled back by moving the alias. name: e.g. \"live\"; function_version: hold the alias on a published version (null: the version each apply publishes); provisioned_concurrent_executions: environments kept initialised on the alias (billed while configured; at most reserved_concurrent_executions). Validated by lambda-function. Null: no versions, the mapping invokes $LATEST."
  type = object({
    name                              = string
    function_version                  = optional(string)
    provisioned_concurrent_executions = optional(number, 0)
  })
  default = null
}

variable "logging_config" {
  description = "Lambda's native logging controls for the function, passed to lambda-function: log_format Text or JSON; application_log_level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) and system_log_level (DEBUG, INFO, WARN) need JSON. Null: Lambda's default (plain text)."
  type = object({
    log_format            = string
    application_log_level = optional(string)
    system_log_level      = optional(string)
  })
  default = null
}

variable "vpc_config" {
  description = "Run the function (and the failure handler) in a VPC: private subnet ids (1-16) and security group ids (1-5); they then need a route to every AWS API they call (VPC endpoints or NAT). null runs them outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition = var.vpc_config == null || try(
      length(var.vpc_config.subnet_ids) >= 1 && length(var.vpc_config.subnet_ids) <= 16 &&
      length(var.vpc_config.security_group_ids) >= 1 && length(var.vpc_config.security_group_ids) <= 5,
      false
    )
    error_message = "vpc_config needs 1-16 subnet_ids and 1-5 security_group_ids."
  }
}

variable "policy_statements" {
  description = "More IAM statements for the function's role, beyond what the pipeline grants itself (stream, dead-letter queue, archive, failure destination, keys): e.g. rds-proxy's iam_statements. Resources must be exact ARNs."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.resources) > 0 && !contains(s.resources, "*") && !contains(s.actions, "*")])
    error_message = "policy_statements need an alphanumeric sid and exact resources: at least one, no \"*\" resource or action."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the functions' logs (a value CloudWatch accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

# --- dead letters ----------------------------------------------------------------

variable "dead_letter_queue_url_variable" {
  description = "Environment variable that hands the function the URL of the dead-letter queue for poison records (the function sends each with its reason and returns the rest as batchItemFailures)."
  type        = string
  default     = "DLQ_URL"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", var.dead_letter_queue_url_variable))
    error_message = "dead_letter_queue_url_variable must be an environment variable name: a letter, then letters, digits or '_' (at least 2 characters)."
  }
}

variable "dead_letter_payload_variables" {
  description = "Environment variables that hand the function the archive bucket and key prefix (dead_letter_prefix) for poison records too large for an SQS message (256 KB; a Kinesis record holds up to 1 MB), which the queue then points to. null: no such storage (no archive bucket unless the failure handler needs one)."
  type = object({
    bucket = optional(string, "DLQ_PAYLOAD_BUCKET")
    prefix = optional(string, "DLQ_PAYLOAD_PREFIX")
  })
  default = {}

  validation {
    condition = var.dead_letter_payload_variables == null || try(
      alltrue([for n in [var.dead_letter_payload_variables.bucket, var.dead_letter_payload_variables.prefix] : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", n))]) &&
      var.dead_letter_payload_variables.bucket != var.dead_letter_payload_variables.prefix &&
      !contains([var.dead_letter_payload_variables.bucket, var.dead_letter_payload_variables.prefix], var.dead_letter_queue_url_variable),
      false
    )
    error_message = "dead_letter_payload_variables must be null or two distinct environment variable names (bucket, prefix), neither of them dead_letter_queue_url_variable."
  }
}

variable "dead_letter_prefix" {
  description = "Key prefix in the archive bucket under which the function keeps poison records too large for SQS."
  type        = string
  default     = "dead-letter/"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()/-]{1,512}/$", var.dead_letter_prefix)) && !startswith(var.dead_letter_prefix, var.archive_prefix) && !startswith(var.archive_prefix, var.dead_letter_prefix)
    error_message = "dead_letter_prefix must be 1-512 URL-safe characters ending in '/', and neither contain archive_prefix nor be contained in it (failed-batch archives and dead-letter payloads are read differently)."
  }
}

# --- event source mapping --------------------------------------------------------

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
  description = "Seconds the mapping gathers records before invoking (0-300); larger windows mean fewer, fuller batches."
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
  description = "Where a new mapping starts reading: TRIM_HORIZON (the oldest record, loses nothing) or LATEST."
  type        = string
  default     = "TRIM_HORIZON"

  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST"], var.starting_position)
    error_message = "starting_position must be TRIM_HORIZON or LATEST."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch (bisected on each failure) before its description goes to the on-failure destination (0-10000; -1 retries until maximum_record_age_in_seconds)."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_retry_attempts >= -1 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from -1 to 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the on-failure destination instead of being retried (60-604800; -1 never, only with finite maximum_retry_attempts)."
  type        = number
  default     = 86400

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 ? var.maximum_retry_attempts >= 0 : var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800 && floor(var.maximum_record_age_in_seconds) == var.maximum_record_age_in_seconds
    error_message = "maximum_record_age_in_seconds must be a whole number from 60 to 604800, or -1 with a finite maximum_retry_attempts (both -1 retries a poison batch until its records expire, blocking the shard)."
  }
}

# --- on-failure path -------------------------------------------------------------

variable "on_failure_destination" {
  description = "What receives the description (shard, sequence range) of batches whose retries are exhausted: sns (a topic, which the failure handler subscribes to) or sqs (a queue, kept 14 days and alarmed). null: sns with a failure handler, else sqs. A topic nobody subscribes to loses the descriptions."
  type        = string
  default     = null

  validation {
    condition     = var.on_failure_destination == null || contains(["sns", "sqs"], coalesce(var.on_failure_destination, "none")) && (var.failure_handler == null || var.on_failure_destination == "sns")
    error_message = "on_failure_destination must be null, sns or sqs; with a failure_handler it must be sns (the handler is invoked through the topic)."
  }
}

variable "failure_handler" {
  description = "A function (its own manifest entry, in the artifact_root of the function) that the failure topic invokes asynchronously with each exhausted batch's description: it re-reads the records from the stream and archives them to the archive bucket under archive_prefix (ARCHIVE_BUCKET, ARCHIVE_PREFIX in its environment). Its own failed and succeeded invocations go to two queues (Lambda Destinations). It runs in vpc_config. null: no handler."
  type = object({
    artifact = object({
      kind             = optional(string, "function")
      path             = string
      source_code_hash = string
      zipped_bytes     = optional(number)
      unzipped_bytes   = optional(number)
      runtime          = string
      architecture     = string
      handler          = string
      layers           = optional(list(string), [])
      aws_services     = optional(list(string), [])
      upload_via_s3    = optional(bool, false)
    })
    layers                = optional(list(string), [])
    function_name         = optional(string)
    description           = optional(string, "Re-reads batches the event source mapping gave up on and archives them to S3")
    memory_size           = optional(number, 256)
    timeout               = optional(number, 120)
    environment_variables = optional(map(string), {})
  })
  default = null

  validation {
    condition = var.failure_handler == null || try(
      var.failure_handler.artifact.kind == "function" &&
      (var.failure_handler.function_name == null || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.failure_handler.function_name))) &&
      var.failure_handler.memory_size >= 128 && var.failure_handler.memory_size <= 10240 &&
      var.failure_handler.timeout >= 1 && var.failure_handler.timeout <= 900 &&
      length(setintersection(keys(var.failure_handler.environment_variables), ["ARCHIVE_BUCKET", "ARCHIVE_PREFIX"])) == 0,
      false
    )
    error_message = "failure_handler needs a manifest entry of kind \"function\", a function_name of 1-64 letters, digits, '-' or '_' (or none), memory_size 128-10240, timeout 1-900, and no ARCHIVE_BUCKET or ARCHIVE_PREFIX in environment_variables (the module sets them)."
  }
}

variable "archive_prefix" {
  description = "Key prefix under which the failure handler archives failed batches in the archive bucket."
  type        = string
  default     = "failed-batches/"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()/-]{1,512}/$", var.archive_prefix))
    error_message = "archive_prefix must be 1-512 URL-safe characters ending in '/'."
  }
}

variable "archive_force_destroy" {
  description = "Let `terraform destroy` delete the archive bucket with its objects (throwaway environments only)."
  type        = bool
  default     = false
}

# --- monitoring ----------------------------------------------------------------

variable "alarm_topic_arn" {
  description = "Existing SNS topic (e.g. the on-call team's) the pipeline's alarms notify; null creates <name>-alarms, encrypted with the pipeline key. If that topic is encrypted, its key's policy needs alarm_topic_kms_key_policy_statements."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "iterator_age_lagging_threshold_ms" {
  description = "IteratorAge (ms) above which the function counts as lagging (alarm after alarm_evaluation_periods periods); records at risk are alarmed at half the stream's retention."
  type        = number
  default     = 60000

  validation {
    condition     = var.iterator_age_lagging_threshold_ms >= 1000 && var.iterator_age_lagging_threshold_ms < var.stream_retention_hours * 1800000
    error_message = "iterator_age_lagging_threshold_ms must be at least 1000 and below half the stream's retention (stream_retention_hours x 1,800,000 ms)."
  }
}

variable "alarm_period_seconds" {
  description = "Period of the pipeline's alarms: 10, 20, 30 or a multiple of 60 (AWS publishes these metrics per minute; shorter periods suit only a local emulator)."
  type        = number
  default     = 60

  validation {
    condition     = contains([10, 20, 30], var.alarm_period_seconds) || (var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0)
    error_message = "alarm_period_seconds must be 10, 20, 30 or a multiple of 60."
  }
}

variable "alarm_evaluation_periods" {
  description = "Periods in a row that lag, errors, throttles or stream throughput must last before their alarms fire (loss, records at risk, duration and queue depth alarm at once)."
  type        = number
  default     = 3

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods && var.alarm_evaluation_periods * var.alarm_period_seconds <= 86400
    error_message = "alarm_evaluation_periods must be a whole number >= 1, with alarm_evaluation_periods x alarm_period_seconds at most 86400."
  }
}
