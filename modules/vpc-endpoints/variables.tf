variable "name" {
  description = "Name prefix of the endpoints' security group and tags."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_'."
  }
}

variable "vpc_id" {
  description = "Id of the VPC the endpoints serve."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the interface endpoints' network interfaces (one per zone)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must be subnet ids (subnet-...)."
  }
  validation {
    condition     = length(var.interface_services) == 0 || length(var.subnet_ids) > 0
    error_message = "subnet_ids must not be empty when interface_services are requested."
  }
}

variable "route_table_ids" {
  description = "Route tables that get a route to each gateway endpoint (the private subnets' tables)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.gateway_services) == 0 || length(var.route_table_ids) > 0
    error_message = "route_table_ids must not be empty when gateway_services are requested."
  }
}

variable "gateway_services" {
  description = "Gateway endpoints to create (free; routed through the route tables): s3 and/or dynamodb."
  type        = list(string)
  default     = ["s3"]

  validation {
    condition     = alltrue([for s in var.gateway_services : contains(["s3", "dynamodb"], s)]) && length(distinct(var.gateway_services)) == length(var.gateway_services)
    error_message = "gateway_services may only contain s3 and dynamodb, each once."
  }
}

variable "interface_services" {
  description = "Interface (PrivateLink) endpoints to create, by service name, e.g. kinesis-streams, sqs, sns, logs, sts, kms, secretsmanager, lambda."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([for s in var.interface_services : contains([
      "kinesis-streams", "kinesis-firehose", "sqs", "sns", "logs", "monitoring", "sts", "kms", "secretsmanager",
      "ssm", "lambda", "events", "xray", "rds", "rds-data", "ec2", "ecr.api", "ecr.dkr", "states", "s3", "dynamodb",
    ], s)]) && length(distinct(var.interface_services)) == length(var.interface_services)
    error_message = "interface_services entries must be distinct and one of kinesis-streams, kinesis-firehose, sqs, sns, logs, monitoring, sts, kms, secretsmanager, ssm, lambda, events, xray, rds, rds-data, ec2, ecr.api, ecr.dkr, states, s3, dynamodb."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (e.g. of the Lambda functions) admitted to the interface endpoints on HTTPS (443)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "allowed_security_group_ids must be security group ids (sg-...)."
  }
}

variable "endpoint_policies" {
  description = "Optional endpoint policy (JSON) per service name; services without one get the default full-access policy."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.endpoint_policies : can(jsondecode(v))])
    error_message = "endpoint_policies values must be JSON policy documents."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
