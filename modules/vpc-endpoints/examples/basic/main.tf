# Endpoints for a function that reads Kinesis and writes SQS and S3 from a
# VPC without NAT.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy the example into."
  type        = string
  default     = "eu-west-1"
}

module "network" {
  source = "../../../network"

  name = "example-endpoints"
}

resource "aws_security_group" "function" {
  #checkov:skip=CKV2_AWS_5:Stands in for the security group of the caller's Lambda functions, which attach it.
  name_prefix = "example-function-"
  description = "Example function"
  vpc_id      = module.network.vpc_id
}

module "endpoints" {
  source = "../.."

  name                       = "example"
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  route_table_ids            = module.network.private_route_table_ids
  gateway_services           = ["s3"]
  interface_services         = ["kinesis-streams", "sqs", "logs"]
  allowed_security_group_ids = [aws_security_group.function.id]
}

output "interface_endpoint_ids" {
  description = "Endpoint ids by service."
  value       = module.endpoints.interface_endpoint_ids
}
