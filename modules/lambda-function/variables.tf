variable "function_name" {
  description = "Name of the Lambda function (1-64 characters: letters, digits, '-', '_')."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "Description of the function (at most 256 characters)."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "artifact" {
  description = "One function entry of dist/manifest.json (written by `make build`): zip path relative to artifact_root, its base64 SHA-256, runtime, architecture, handler and whether it must go through S3. The module does not use `artifact.layers` (layer names) or `artifact.aws_services`: attach layers by ARN with `layers`."
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
    error_message = "artifact must be a manifest entry of kind \"function\"; layers go to the lambda-layer module."
  }
  validation {
    condition     = contains(["x86_64", "arm64"], var.artifact.architecture)
    error_message = "artifact.architecture must be x86_64 or arm64."
  }
  validation {
    condition     = can(regex("^(python3\\.(9|1[0-3])|nodejs(18|20|22)\\.x|java(8\\.al2|11|17|21)|dotnet8|ruby3\\.[2-4]|provided\\.al2(023)?)$", var.artifact.runtime))
    error_message = "artifact.runtime must be a Lambda runtime AWS still accepts for new functions (e.g. python3.12, nodejs20.x, provided.al2023)."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.artifact.source_code_hash))
    error_message = "artifact.source_code_hash must be a base64 SHA-256 (44 characters) as filebase64sha256 computes it; run make build."
  }
  validation {
    condition     = length(var.artifact.handler) > 0 && length(var.artifact.handler) <= 128
    error_message = "artifact.handler must be 1-128 characters, e.g. app.handler."
  }
}

variable "artifact_root" {
  description = "Directory that artifact.path is relative to: the one holding the dist/ that `make build` wrote (e.g. path.root of the configuration that builds). Required, so the module never assumes where it is installed (a registry download lives under .terraform/modules/)."
  type        = string

  validation {
    condition     = length(trimspace(var.artifact_root)) > 0
    error_message = "artifact_root must name the directory that holds dist/, e.g. path.root when dist/ is next to your root module."
  }
}

variable "artifact_bucket" {
  description = "Existing S3 bucket for the zip when artifact.upload_via_s3 is true (zips over 50 MB cannot be uploaded directly). Required in that case."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_bucket != null || !var.artifact.upload_via_s3
    error_message = "artifact_bucket is required because the manifest says this zip is over 50 MB (upload_via_s3 = true)."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240); CPU scales with it (1769 MB = one vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Maximum run time of one invocation in seconds (1-900)."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function. AWS limits them to 4 KB (4096 bytes) in total, counted as the UTF-8 bytes of one JSON object {\"KEY\":\"value\",...}; keys are at least two characters ([a-zA-Z][a-zA-Z0-9_]+) and some names are reserved (AWS_REGION, _HANDLER, ...)."
  type        = map(string)
  default     = {}

  validation {
    # AWS measures the variables as one JSON object (its error says "String measured: {...}"), in
    # UTF-8 bytes. jsonencode escapes <, >, &, U+2028 and U+2029, which that measure does not: undone.
    # Terraform has no byte length for text, but base64 does: n bytes encode to ceil(n/3)*4
    # characters, so n = floor(unpadded length * 3 / 4).
    condition = floor(length(replace(base64encode(replace(replace(replace(replace(replace(jsonencode(var.environment_variables),
    "\\u003c", "<"), "\\u003e", ">"), "\\u0026", "&"), "\\u2028", "\u2028"), "\\u2029", "\u2029")), "=", "")) * 3 / 4) <= 4096
    error_message = "environment_variables exceed 4 KB: AWS counts the UTF-8 bytes of the variables as one JSON object ({\"KEY\":\"value\",...}), so a non-ASCII character counts 2-4 bytes; move large values to SSM Parameter Store or Secrets Manager."
  }
  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", k))])
    error_message = "environment_variables keys must be at least two characters, start with a letter and contain only letters, digits and '_' (AWS's pattern [a-zA-Z][a-zA-Z0-9_]+)."
  }
  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "environment_variables must not set names Lambda reserves (AWS_REGION, AWS_ACCESS_KEY_ID, _HANDLER, LAMBDA_TASK_ROOT, ...)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN that encrypts the environment variables at rest; null uses the AWS-managed Lambda key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "layers" {
  description = "Layer version ARNs to attach, in order (at most 5)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layers) <= 5
    error_message = "layers: a Lambda function can use at most 5 layers."
  }
  validation {
    condition     = alltrue([for l in var.layers : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[a-zA-Z0-9_-]+:[0-9]+$", l))])
    error_message = "layers must be layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for this function: -1 leaves it unreserved, 0 stops all invocations, N caps it at N."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "vpc_config" {
  description = "Run the function in a VPC: private subnet ids (1-16) and security group ids (1-5). Grants the ENI permissions Lambda needs. Null runs it outside any VPC."
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

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the function's logs (one of the values CloudWatch accepts; 0 = never expire)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the log group instead of the module's own key (set create_log_kms_key = false with it); its policy must allow the logs service."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN."
  }
  validation {
    condition     = var.log_kms_key_arn == null || !var.create_log_kms_key
    error_message = "log_kms_key_arn is given: set create_log_kms_key = false, or the module creates a key of its own as well."
  }
}

variable "create_log_kms_key" {
  description = "Create a customer-managed KMS key (yearly rotation, a policy that admits CloudWatch Logs for this log group only) that encrypts the log group; about $1/month, see the README. false: log_kms_key_arn encrypts it, or, when that is null too, CloudWatch's default encryption, which the encryption-at-rest plan check reports. A flag rather than the absence of log_kms_key_arn, because that ARN is often known only after apply and the number of keys must be known at plan."
  type        = bool
  default     = true
}

variable "tracing_mode" {
  description = "AWS X-Ray tracing: PassThrough (off unless the caller traces) or Active (adds the X-Ray write permissions)."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "policy_statements" {
  description = "IAM statements for the function's role, e.g. the iam_statements outputs of kinesis-event-source, lambda-destinations and rds-proxy. Actions are exact service:Action names (no wildcards); resources name their resource (no \"*\", no wildcard in an ARN's account, region, resource type or resource name; one after the name is allowed, e.g. arn:aws:s3:::bucket/prefix*)."
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
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && alltrue([for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9]+$", a))])])
    error_message = "policy_statements actions must be exact service:Action names, at least one per statement: no wildcards (\"*\", \"s3:*\" and \"s3:Get*\" are rejected)."
  }
  validation {
    # Allowed: an S3 bucket with any key pattern, or any other ARN whose partition, service, region,
    # account, first resource segment and (after "type/" or "type:") resource name have no wildcard.
    condition = alltrue([for s in var.policy_statements : length(s.resources) > 0 && alltrue([for r in s.resources :
      can(regex("^arn:[^:*?]+:s3:::[^/*?]+(/.*)?$", r)) ||
      can(regex("^arn:[^:*?]+:[^:*?]+:[^:*?]*:[^:*?]*:[^:/*?]+(:[^:*?]+(:.*)?|/[^:/*?]+([:/].*)?)?$", r))
    ])])
    error_message = "policy_statements resources must each name one resource, at least one per statement: not \"*\", and no wildcard in an ARN's partition, service, region, account, resource type or resource name (\"arn:aws:sqs:eu-west-1:111122223333:*\", \"...:function:*\", \"...:stream/*\" and \"arn:aws:s3:::*\" are rejected). A wildcard after the name is allowed: \"arn:aws:s3:::bucket/prefix*\", \"...:log-group:/app/x:*\", \"...:table/orders/index/*\"."
  }
  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid))])
    error_message = "policy_statements sid must be alphanumeric."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "publish" {
  description = "Publish an immutable version on every change of code or configuration, so an alias can hold one. False deploys $LATEST only."
  type        = bool
  default     = false
}

variable "alias_name" {
  description = "Name of an alias kept on a published version (needs publish = true), e.g. \"live\". Event source mappings and subscriptions then name the alias (output target_arn), and moving it changes the code they run. Null keeps no alias."
  type        = string
  default     = null

  validation {
    condition     = var.alias_name == null ? true : can(regex("^[a-zA-Z0-9_-]{1,128}$", var.alias_name)) && !can(regex("^[0-9]+$", var.alias_name))
    error_message = "alias_name must be 1-128 letters, digits, '-' or '_', and not digits only (that reads as a version number)."
  }
  validation {
    condition     = var.alias_name == null || var.publish
    error_message = "alias_name needs publish = true: the alias points at a published version."
  }
}

variable "alias_function_version" {
  description = "Published version the alias points at, e.g. \"3\", to hold it there while newer versions are published (or to roll back). Null moves it to the version each apply publishes."
  type        = string
  default     = null

  validation {
    condition     = var.alias_function_version == null ? true : can(regex("^[1-9][0-9]*$", var.alias_function_version))
    error_message = "alias_function_version must be null or a published version number such as \"3\"."
  }
  validation {
    condition     = var.alias_function_version == null || var.alias_name != null
    error_message = "alias_function_version needs alias_name: it says which version the alias points at."
  }
}

variable "provisioned_concurrent_executions" {
  description = "Execution environments kept initialised on the alias (no cold starts; billed while configured). 0 = none. Needs publish and alias_name, and may not exceed reserved_concurrent_executions when that is set."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrent_executions >= 0 && floor(var.provisioned_concurrent_executions) == var.provisioned_concurrent_executions
    error_message = "provisioned_concurrent_executions must be a whole number >= 0 (0 = none)."
  }
  validation {
    condition     = var.provisioned_concurrent_executions == 0 || (var.publish && var.alias_name != null)
    error_message = "provisioned_concurrent_executions needs publish = true and alias_name: Lambda provisions a version or alias, never $LATEST."
  }
  validation {
    condition     = var.reserved_concurrent_executions < 0 || var.provisioned_concurrent_executions <= var.reserved_concurrent_executions
    error_message = "provisioned_concurrent_executions may not exceed reserved_concurrent_executions; raise the reservation or lower the provisioned concurrency."
  }
}

variable "logging_config" {
  description = "Lambda's advanced logging controls. log_format: Text or JSON. application_log_level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) and system_log_level (DEBUG, INFO, WARN) filter what reaches CloudWatch and need JSON; unset they are INFO, as AWS applies them. Logs go to the module's log group. Null leaves Lambda's default (plain text, no filtering)."
  type = object({
    log_format            = string
    application_log_level = optional(string)
    system_log_level      = optional(string)
  })
  default = null

  validation {
    condition     = var.logging_config == null ? true : contains(["Text", "JSON"], var.logging_config.log_format)
    error_message = "logging_config.log_format must be Text or JSON."
  }
  validation {
    condition     = var.logging_config == null ? true : var.logging_config.application_log_level == null || contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.logging_config.application_log_level, "-"))
    error_message = "logging_config.application_log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
  validation {
    condition     = var.logging_config == null ? true : var.logging_config.system_log_level == null || contains(["DEBUG", "INFO", "WARN"], coalesce(var.logging_config.system_log_level, "-"))
    error_message = "logging_config.system_log_level must be DEBUG, INFO or WARN."
  }
  validation {
    condition     = var.logging_config == null ? true : var.logging_config.log_format == "JSON" || (var.logging_config.application_log_level == null && var.logging_config.system_log_level == null)
    error_message = "logging_config log levels filter JSON logs only: set log_format = \"JSON\" or remove application_log_level and system_log_level."
  }
}
