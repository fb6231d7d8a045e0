variable "name" {
  description = "Name of the proxy (1-60 characters: letters, digits, '-'; starts with a letter)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,59}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must be 1-60 letters, digits or single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "engine_family" {
  description = "Database engine family behind the proxy; this module serves PostgreSQL."
  type        = string
  default     = "POSTGRESQL"

  validation {
    condition     = var.engine_family == "POSTGRESQL"
    error_message = "engine_family must be POSTGRESQL (this module sets PostgreSQL's port and SCRAM authentication)."
  }
}

variable "db_instance_identifier" {
  description = "Identifier of the RDS PostgreSQL instance behind the proxy (set this or db_cluster_identifier)."
  type        = string
  default     = null
}

variable "db_cluster_identifier" {
  description = "Identifier of the Aurora PostgreSQL cluster behind the proxy (set this or db_instance_identifier)."
  type        = string
  default     = null

  validation {
    condition     = (var.db_cluster_identifier == null) != (var.db_instance_identifier == null)
    error_message = "Set exactly one of db_instance_identifier and db_cluster_identifier."
  }
}

variable "secret_arns" {
  description = "Secrets Manager secrets (username + password JSON) the proxy uses to log in to the database, at least one."
  type        = list(string)

  validation {
    condition     = length(var.secret_arns) >= 1 && alltrue([for s in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", s))])
    error_message = "secret_arns must hold at least one Secrets Manager secret ARN."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the secrets, to let the proxy decrypt them; null for the AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "iam_auth" {
  description = "Client authentication to the proxy: REQUIRED (IAM tokens; no passwords in functions) or DISABLED (clients send the secret's password)."
  type        = string
  default     = "REQUIRED"

  validation {
    condition     = contains(["REQUIRED", "DISABLED"], var.iam_auth)
    error_message = "iam_auth must be REQUIRED or DISABLED."
  }
}

variable "db_users" {
  description = "Database users clients connect as with IAM auth; the iam_statements output grants rds-db:connect for exactly these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.db_users : can(regex("^[a-zA-Z_][a-zA-Z0-9_]{0,62}$", u))])
    error_message = "db_users must be PostgreSQL user names (letters, digits, '_'; at most 63 characters)."
  }
}

variable "vpc_id" {
  description = "VPC of the database and its clients."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the proxy, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets (RDS Proxy needs two availability zones)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups of the clients (e.g. Lambda functions) admitted to the proxy on the PostgreSQL port."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "allowed_security_group_ids must be security group ids (sg-...)."
  }
}

variable "database_security_group_id" {
  description = "Security group of the database; the module admits the proxy to it on the PostgreSQL port."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.database_security_group_id))
    error_message = "database_security_group_id must be a security group id (sg-...)."
  }
}

variable "port" {
  description = "PostgreSQL port of the database."
  type        = number
  default     = 5432

  validation {
    condition     = var.port >= 1150 && var.port <= 65535
    error_message = "port must be from 1150 to 65535 (RDS's allowed range)."
  }
}

variable "idle_client_timeout" {
  description = "Seconds a client connection may sit idle before the proxy closes it (1-28800)."
  type        = number
  default     = 1800

  validation {
    condition     = var.idle_client_timeout >= 1 && var.idle_client_timeout <= 28800 && floor(var.idle_client_timeout) == var.idle_client_timeout
    error_message = "idle_client_timeout must be a whole number of seconds from 1 to 28800."
  }
}

variable "max_connections_percent" {
  description = "Share of the database's max_connections the proxy may open (1-100)."
  type        = number
  default     = 90

  validation {
    condition     = var.max_connections_percent >= 1 && var.max_connections_percent <= 100 && floor(var.max_connections_percent) == var.max_connections_percent
    error_message = "max_connections_percent must be a whole number from 1 to 100."
  }
}

variable "max_idle_connections_percent" {
  description = "Share of max_connections the proxy keeps open while idle (0 to max_connections_percent)."
  type        = number
  default     = 50

  validation {
    condition     = var.max_idle_connections_percent >= 0 && var.max_idle_connections_percent <= var.max_connections_percent && floor(var.max_idle_connections_percent) == var.max_idle_connections_percent
    error_message = "max_idle_connections_percent must be a whole number from 0 to max_connections_percent."
  }
}

variable "connection_borrow_timeout" {
  description = "Seconds a client waits for a pooled connection before getting an error (0-3600)."
  type        = number
  default     = 120

  validation {
    condition     = var.connection_borrow_timeout >= 0 && var.connection_borrow_timeout <= 3600 && floor(var.connection_borrow_timeout) == var.connection_borrow_timeout
    error_message = "connection_borrow_timeout must be a whole number of seconds from 0 to 3600."
  }
}

variable "session_pinning_filters" {
  description = "SQL operations that do not pin a client to one connection (only EXCLUDE_VARIABLE_SETS exists)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for f in var.session_pinning_filters : f == "EXCLUDE_VARIABLE_SETS"])
    error_message = "session_pinning_filters may only contain EXCLUDE_VARIABLE_SETS."
  }
}

variable "debug_logging" {
  description = "Log SQL statements of proxied connections (may expose data; for troubleshooting only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
