output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Zones the subnets are spread over, in order."
  value       = local.azs
}

output "private_subnet_ids" {
  description = "Private subnet ids, one per zone in the order of availability_zones (for Lambda, RDS, endpoints)."
  value       = [for az in local.azs : aws_subnet.private[az].id]
}

output "private_subnet_cidr_blocks" {
  description = "CIDR blocks of the private subnets."
  value       = [for az in local.azs : aws_subnet.private[az].cidr_block]
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets (gateway endpoints attach here)."
  value       = [for az in local.azs : aws_route_table.private[az].id]
}

output "public_subnet_ids" {
  description = "Public subnet ids (empty when nat_mode is none)."
  value       = [for az in keys(local.public_azs) : aws_subnet.public[az].id]
}

output "nat_gateway_ids" {
  description = "NAT gateway ids (empty when nat_mode is none)."
  value       = [for az in keys(local.nat_azs) : aws_nat_gateway.this[az].id]
}

output "flow_log_group_name" {
  description = "Log group of the VPC flow logs (null when disabled)."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].name)
}
