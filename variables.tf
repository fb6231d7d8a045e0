variable "name" {
  description = "Name prefix of every resource of the pipeline."
  type        = string
  default     = "clickstream"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}$", var.name))
    error_message = "name must be 2-23 lowercase letters, digits or '-', starting with a letter (it prefixes bucket, proxy and role names)."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "s3_use_path_style" {
  description = "Address S3 buckets by path instead of virtual host (needed by some S3-compatible endpoints and emulators)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "manifest_path" {
  description = "dist/manifest.json written by `make build`, relative to this module's directory (or absolute)."
  type        = string
  default     = "dist/manifest.json"
}

variable "artifact_root" {
  description = "Directory the manifest's zip paths are relative to; null means this module's directory."
  type        = string
  default     = null
}

variable "artifact_bucket" {
  description = "Existing S3 bucket, in the pipeline's region, for the zips the manifest marks upload_via_s3 (over 50 MB, built with `make build ARGS=--allow-s3-upload`). Null: such zips go through a private bucket this module creates, encrypted with the pipeline key, which exists only while some zip needs it."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket)) && !can(regex("\\.\\.|^[0-9.]+$|^xn--|^sthree-|-s3alias$|--ol-s3$", var.artifact_bucket))
    error_message = "artifact_bucket must be null or an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit, no '..', not an IP address."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of both functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps function and flow logs (a value CloudWatch accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

# --- network -----------------------------------------------------------------

variable "vpc_cidr_block" {
  description = "IPv4 CIDR of the pipeline's VPC (/16 to /24)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr_block, 0))
    error_message = "vpc_cidr_block must be an IPv4 CIDR such as 10.20.0.0/16."
  }
}

variable "az_count" {
  description = "Availability zones for the private subnets (2-6; RDS and RDS Proxy need two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6."
  }
}

variable "nat_mode" {
  description = "Internet egress for the functions: none (AWS APIs through VPC endpoints only), single or one_per_az NAT gateways."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single", "one_per_az"], var.nat_mode)
    error_message = "nat_mode must be none, single or one_per_az."
  }
}

variable "extra_interface_endpoints" {
  description = "Interface endpoints to add beyond those derived from the functions' aws_services in the manifest (e.g. logs, sts); the vpc-endpoints module lists the accepted names."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.extra_interface_endpoints : can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)?$", s))])
    error_message = "extra_interface_endpoints must be endpoint service names such as logs, sts or kms (lowercase, without the com.amazonaws.<region> prefix)."
  }
}

# --- stream and event source mapping -------------------------------------------

variable "stream_retention_hours" {
  description = "Hours records stay in the stream (24-8760); the failure handler re-reads failed batches within this time."
  type        = number
  default     = 24

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760
    error_message = "stream_retention_hours must be from 24 to 8760."
  }
}

variable "batch_size" {
  description = "Records per stream_processor invocation (1-10000)."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }
}

variable "batching_window_seconds" {
  description = "Seconds the mapping gathers records before invoking (0-300)."
  type        = number
  default     = 1

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300 && floor(var.batching_window_seconds) == var.batching_window_seconds
    error_message = "batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard (1-10)."
  type        = number
  default     = 2

  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10 && floor(var.parallelization_factor) == var.parallelization_factor
    error_message = "parallelization_factor must be a whole number from 1 to 10."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before its metadata goes to the failure topic (-1 to 10000)."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_retry_attempts >= -1 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from -1 to 10000."
  }
}

# --- functions -----------------------------------------------------------------

variable "processor_memory_size" {
  description = "Memory of stream_processor in MB (128-10240)."
  type        = number
  default     = 512

  validation {
    condition     = var.processor_memory_size >= 128 && var.processor_memory_size <= 10240
    error_message = "processor_memory_size must be from 128 to 10240."
  }
}

variable "processor_timeout" {
  description = "Timeout of stream_processor in seconds (1-900)."
  type        = number
  default     = 60

  validation {
    condition     = var.processor_timeout >= 1 && var.processor_timeout <= 900
    error_message = "processor_timeout must be from 1 to 900."
  }
}

variable "processor_reserved_concurrency" {
  description = "Reserved concurrency of stream_processor (-1 = unreserved); caps connections to the database."
  type        = number
  default     = -1

  validation {
    condition     = var.processor_reserved_concurrency >= -1 && floor(var.processor_reserved_concurrency) == var.processor_reserved_concurrency
    error_message = "processor_reserved_concurrency must be -1 or a whole number >= 0."
  }
}

variable "processor_alias_name" {
  description = "Alias the mapping invokes: every deploy publishes a version of stream_processor and moves this alias to it, so a bad release is rolled back by pointing the alias at the previous version. Null: no versions, the mapping invokes $LATEST."
  type        = string
  default     = "live"
}

variable "handler_memory_size" {
  description = "Memory of failure_handler in MB (128-10240)."
  type        = number
  default     = 256

  validation {
    condition     = var.handler_memory_size >= 128 && var.handler_memory_size <= 10240
    error_message = "handler_memory_size must be from 128 to 10240."
  }
}

variable "handler_timeout" {
  description = "Timeout of failure_handler in seconds (1-900)."
  type        = number
  default     = 120

  validation {
    condition     = var.handler_timeout >= 1 && var.handler_timeout <= 900
    error_message = "handler_timeout must be from 1 to 900."
  }
}

variable "archive_prefix" {
  description = "Key prefix under which failure_handler archives failed batches."
  type        = string
  default     = "failed-batches/"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()/-]{1,512}/$", var.archive_prefix))
    error_message = "archive_prefix must be 1-512 URL-safe characters ending in '/'."
  }
}

variable "dead_letter_prefix" {
  description = "Key prefix in the archive bucket under which stream_processor keeps dead-letter messages too large for SQS (the queue gets a pointer)."
  type        = string
  default     = "dead-letter/"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()/-]{1,512}/$", var.dead_letter_prefix)) && !startswith(var.dead_letter_prefix, var.archive_prefix) && !startswith(var.archive_prefix, var.dead_letter_prefix)
    error_message = "dead_letter_prefix must be 1-512 URL-safe characters ending in '/', and neither contain archive_prefix nor be contained in it (failed-batch archives and dead-letter payloads are read differently)."
  }
}

variable "archive_force_destroy" {
  description = "Let `terraform destroy` delete the archive bucket with its objects (throwaway environments only)."
  type        = bool
  default     = false
}

# --- database ------------------------------------------------------------------

variable "db_auth" {
  description = "How stream_processor logs in through RDS Proxy: iam (short-lived tokens, no password in the function) or secret (reads the database secret)."
  type        = string
  default     = "iam"

  validation {
    condition     = contains(["iam", "secret"], var.db_auth)
    error_message = "db_auth must be iam or secret."
  }
}

variable "db_name" {
  description = "Name of the PostgreSQL database."
  type        = string
  default     = "clicks"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a lowercase letter and hold at most 63 lowercase letters, digits or '_'."
  }
}

variable "db_username" {
  description = "Database user (the RDS master user, whose RDS-managed secret the proxy uses)."
  type        = string
  default     = "clicks_app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_username)) && !contains(["postgres", "admin", "rdsadmin"], var.db_username)
    error_message = "db_username must be a lowercase PostgreSQL identifier other than postgres, admin or rdsadmin."
  }
}

variable "db_engine_version" {
  description = "PostgreSQL major (or major.minor) version of the instance."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[3-7](\\.[0-9]+)?$", var.db_engine_version))
    error_message = "db_engine_version must be a supported PostgreSQL version, 13 to 17 (e.g. 16 or 16.4)."
  }
}

variable "db_instance_class" {
  description = "Instance class of the database."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must look like db.t4g.micro."
  }
}

variable "db_allocated_storage" {
  description = "Storage of the database in GiB (20-65536)."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be from 20 to 65536 GiB."
  }
}

variable "db_multi_az" {
  description = "Run a standby database in a second zone."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (1-35)."
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be from 1 to 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (set false before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "db_skip_final_snapshot" {
  description = "Delete the database without a final snapshot (throwaway environments only)."
  type        = bool
  default     = false
}

# --- monitoring ----------------------------------------------------------------

variable "alarm_topic_arn" {
  description = "Existing SNS topic (e.g. the on-call team's) the pipeline's alarms notify; null creates <name>-alarms, encrypted with the pipeline key. An encrypted topic's key policy needs the monitoring module's topic_kms_key_policy_statements."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "iterator_age_lagging_threshold_ms" {
  description = "IteratorAge (ms) above which stream_processor counts as lagging (alarm after alarm_evaluation_periods periods); records at risk are alarmed at half the stream's retention."
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
  description = "Periods in a row that lag, errors, throttles or slow invocations must last before their alarms fire (loss, records at risk and queue depth alarm at once)."
  type        = number
  default     = 3

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods && var.alarm_evaluation_periods * var.alarm_period_seconds <= 86400
    error_message = "alarm_evaluation_periods must be a whole number >= 1, with alarm_evaluation_periods x alarm_period_seconds at most 86400."
  }
}
