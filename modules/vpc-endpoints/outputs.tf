output "security_group_id" {
  description = "Security group of the interface endpoints (null when there are none)."
  value       = one(aws_security_group.this[*].id)
}

output "gateway_endpoint_ids" {
  description = "Gateway endpoint ids by service name."
  value       = { for k, v in aws_vpc_endpoint.gateway : k => v.id }
}

output "interface_endpoint_ids" {
  description = "Interface endpoint ids by service name."
  value       = { for k, v in aws_vpc_endpoint.interface : k => v.id }
}

output "interface_endpoint_dns_entries" {
  description = "DNS entries of each interface endpoint by service name."
  value       = { for k, v in aws_vpc_endpoint.interface : k => v.dns_entry }
}

output "services" {
  description = "Every service reachable through an endpoint (gateway and interface), as listed in the inputs."
  value       = sort(distinct(concat(var.gateway_services, var.interface_services)))
}

output "gateway_prefix_list_ids" {
  description = "Managed prefix list id of each gateway endpoint by service name (for security group egress rules)."
  value       = { for k, v in aws_vpc_endpoint.gateway : k => v.prefix_list_id }
}
