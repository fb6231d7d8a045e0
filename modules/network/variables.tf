variable "name" {
  description = "Name prefix of every resource (Name tags, log group, role)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' or '_'."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC (/16 to /24); subnets are carved from it."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && try(tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 24, false)
    error_message = "cidr_block must be an IPv4 CIDR with a prefix from /16 to /24, e.g. 10.20.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (1-6); used when availability_zones is empty."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 1 to 6."
  }
}

variable "availability_zones" {
  description = "Explicit availability zone names; empty picks the first az_count available zones of the region."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) <= 6 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at most 6 distinct zone names."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (4-8; 4 turns a /16 into /20 subnets)."
  type        = number
  default     = 4

  validation {
    condition     = var.subnet_newbits >= 4 && var.subnet_newbits <= 8 && floor(var.subnet_newbits) == var.subnet_newbits
    error_message = "subnet_newbits must be a whole number from 4 to 8 (12 subnet slots: private and public in up to 6 zones)."
  }
}

variable "nat_mode" {
  description = "Internet egress of the private subnets: none (reach AWS only through VPC endpoints), single (one NAT gateway) or one_per_az (one per zone, survives a zone outage). Public subnets exist only with NAT."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single", "one_per_az"], var.nat_mode)
    error_message = "nat_mode must be none, single or one_per_az."
  }
}

variable "flow_logs_enabled" {
  description = "Send VPC flow logs (all traffic) to a CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_logs_retention_in_days" {
  description = "Days CloudWatch keeps the flow logs (a value CloudWatch accepts; 0 = never expire)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_in_days)
    error_message = "flow_logs_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "flow_logs_kms_key_arn" {
  description = "KMS key ARN for the flow log group; null uses CloudWatch's default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.flow_logs_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.flow_logs_kms_key_arn))
    error_message = "flow_logs_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
