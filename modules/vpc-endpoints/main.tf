data "aws_region" "current" {}

locals {
  service_prefix = "com.amazonaws.${data.aws_region.current.id}"
}

resource "aws_security_group" "this" {
  count = length(var.interface_services) > 0 ? 1 : 0

  name_prefix = "${var.name}-endpoints-"
  description = "HTTPS from the given security groups to the ${var.name} interface endpoints"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  # count, not for_each: the ids are usually unknown until their groups exist.
  count = length(var.interface_services) > 0 ? length(var.allowed_security_group_ids) : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "HTTPS from function security group ${count.index}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
  tags                         = var.tags
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_services)

  vpc_id            = var.vpc_id
  service_name      = "${local.service_prefix}.${each.value}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  policy            = lookup(var.endpoint_policies, each.value, null)
  tags              = merge(var.tags, { Name = "${var.name}-${each.value}" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_services)

  vpc_id              = var.vpc_id
  service_name        = "${local.service_prefix}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.this[0].id]
  private_dns_enabled = true
  policy              = lookup(var.endpoint_policies, each.value, null)
  tags                = merge(var.tags, { Name = "${var.name}-${each.value}" })
}
