mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
}

variables {
  name = "clicks"
}

run "default_is_private_only_without_nat" {
  command = plan

  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_subnet.public) == 0
    error_message = "two private subnets and no public subnet by default"
  }
  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_internet_gateway.this) == 0 && length(aws_route.private_nat) == 0
    error_message = "no NAT, no internet gateway, no default route without NAT"
  }
  assert {
    condition     = aws_subnet.private["eu-west-1a"].cidr_block == "10.20.0.0/20" && aws_subnet.private["eu-west-1b"].cidr_block == "10.20.16.0/20"
    error_message = "private subnets must be carved from the VPC CIDR in zone order"
  }
  assert {
    condition     = aws_vpc.this.enable_dns_hostnames && aws_vpc.this.enable_dns_support
    error_message = "DNS support and hostnames are needed for private endpoint DNS"
  }
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "flow logs must record all traffic by default"
  }
}

run "single_nat_serves_every_zone" {
  command = plan

  variables {
    az_count = 3
    nat_mode = "single"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_subnet.public) == 3 && length(aws_route.private_nat) == 3
    error_message = "single mode: one NAT gateway, public subnets in every zone, a default route in every private table"
  }
  assert {
    condition     = aws_subnet.public["eu-west-1a"].cidr_block == "10.20.96.0/20" && !aws_subnet.public["eu-west-1a"].map_public_ip_on_launch
    error_message = "public subnets start after the private slots and assign no public IPs"
  }
}

run "one_nat_per_zone" {
  command = plan

  variables {
    availability_zones = ["eu-west-1b", "eu-west-1c"]
    nat_mode           = "one_per_az"
  }

  assert {
    condition     = toset(keys(aws_nat_gateway.this)) == toset(["eu-west-1b", "eu-west-1c"])
    error_message = "one_per_az mode needs a NAT gateway in each given zone"
  }
}

run "unknown_nat_mode_is_rejected" {
  command = plan
  variables {
    nat_mode = "per_subnet"
  }
  expect_failures = [var.nat_mode]
}

run "az_count_7_is_rejected" {
  command = plan
  variables {
    az_count = 7
  }
  expect_failures = [var.az_count]
}

run "invalid_cidr_is_rejected" {
  command = plan
  variables {
    cidr_block = "10.20.0.0/8"
  }
  expect_failures = [var.cidr_block]
}

run "invalid_availability_zones_is_rejected" {
  command = plan
  variables {
    availability_zones = ["eu-west-1a", "eu-west-1a"]
  }
  expect_failures = [var.availability_zones]
}

run "invalid_flow_logs_kms_key_arn_is_rejected" {
  command = plan
  variables {
    flow_logs_kms_key_arn = "alias/logs"
  }
  expect_failures = [var.flow_logs_kms_key_arn]
}

run "invalid_flow_logs_retention_in_days_is_rejected" {
  command = plan
  variables {
    flow_logs_retention_in_days = 2
  }
  expect_failures = [var.flow_logs_retention_in_days]
}

run "invalid_name_is_rejected" {
  command = plan
  variables {
    name = "has space"
  }
  expect_failures = [var.name]
}

run "invalid_subnet_newbits_is_rejected" {
  command = plan
  variables {
    subnet_newbits = 3
  }
  expect_failures = [var.subnet_newbits]
}
