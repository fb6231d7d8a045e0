mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
}

variables {
  name                       = "clicks"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  route_table_ids            = ["rtb-1", "rtb-2"]
  interface_services         = ["sqs", "secretsmanager"]
  allowed_security_group_ids = ["sg-0f1"]
}

run "gateway_and_interface_endpoints" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.gateway["s3"].service_name == "com.amazonaws.eu-west-1.s3" && aws_vpc_endpoint.gateway["s3"].route_table_ids == toset(["rtb-1", "rtb-2"])
    error_message = "the S3 gateway endpoint must be routed from the given route tables"
  }
  assert {
    condition     = aws_vpc_endpoint.interface["sqs"].private_dns_enabled && aws_vpc_endpoint.interface["secretsmanager"].service_name == "com.amazonaws.eu-west-1.secretsmanager"
    error_message = "interface endpoints must have private DNS so SDKs resolve them transparently"
  }
  assert {
    condition     = aws_vpc_endpoint.interface["sqs"].subnet_ids == toset(["subnet-0a", "subnet-0b"])
    error_message = "interface endpoints must sit in the given subnets"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.https[0].referenced_security_group_id == "sg-0f1"
    error_message = "only HTTPS from the function security group may reach the endpoints"
  }
  assert {
    condition     = output.services == tolist(["s3", "secretsmanager", "sqs"])
    error_message = "services must list every reachable service"
  }
}

run "endpoint_policy_is_attached" {
  command = plan
  variables {
    endpoint_policies = { s3 = "{\"Statement\":[]}" }
  }
  assert {
    condition     = aws_vpc_endpoint.gateway["s3"].policy == "{\"Statement\":[]}"
    error_message = "a given endpoint policy must be attached"
  }
}

run "unknown_service_is_rejected" {
  command = plan
  variables {
    interface_services = ["kinesis"]
  }
  expect_failures = [var.interface_services]
}

run "unknown_gateway_service_is_rejected" {
  command = plan
  variables {
    gateway_services = ["sqs"]
  }
  expect_failures = [var.gateway_services]
}

run "interface_endpoints_without_subnets_are_rejected" {
  command = plan
  variables {
    subnet_ids = []
  }
  expect_failures = [var.subnet_ids]
}

run "invalid_policy_is_rejected" {
  command = plan
  variables {
    endpoint_policies = { sqs = "{not json" }
  }
  expect_failures = [var.endpoint_policies]
}

run "invalid_allowed_security_group_ids_is_rejected" {
  command = plan
  variables {
    allowed_security_group_ids = ["default"]
  }
  expect_failures = [var.allowed_security_group_ids]
}

run "invalid_name_is_rejected" {
  command = plan
  variables {
    name = "has space"
  }
  expect_failures = [var.name]
}

run "invalid_route_table_ids_is_rejected" {
  command = plan
  variables {
    route_table_ids = []
  }
  expect_failures = [var.route_table_ids]
}

run "invalid_vpc_id_is_rejected" {
  command = plan
  variables {
    vpc_id = "default"
  }
  expect_failures = [var.vpc_id]
}
