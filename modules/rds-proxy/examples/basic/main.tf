# RDS Proxy in front of an existing PostgreSQL instance, reading its login
# from Secrets Manager and requiring IAM auth from clients.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
  default     = "vpc-0123456789abcdef0"
}

variable "subnet_ids" {
  description = "Private subnets in two zones."
  type        = list(string)
  default     = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

variable "database_security_group_id" {
  description = "Security group of the database."
  type        = string
  default     = "sg-0123456789abcdef0"
}

variable "secret_arn" {
  description = "Secret with the database username and password."
  type        = string
  default     = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:example-db-AbCdEf"
}

module "proxy" {
  source = "../.."

  name                       = "example"
  db_instance_identifier     = "example-db"
  secret_arns                = [var.secret_arn]
  db_users                   = ["app"]
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  database_security_group_id = var.database_security_group_id
}

output "endpoint" {
  description = "Where functions connect (TLS, IAM token as password)."
  value       = module.proxy.endpoint
}
