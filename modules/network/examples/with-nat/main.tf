# A three-zone VPC whose private subnets reach the internet through one NAT
# gateway per zone.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

module "network" {
  source = "../.."

  name       = "example"
  cidr_block = "10.30.0.0/16"
  az_count   = 3
  nat_mode   = "one_per_az"
}

output "private_subnet_ids" {
  description = "Where to put Lambda functions."
  value       = module.network.private_subnet_ids
}
