locals {
  # rds-db:connect names the proxy by its resource id (prx-...), which is the ARN's last part.
  connect_arn_prefix = replace(replace(aws_db_proxy.this.arn, ":rds:", ":rds-db:"), ":db-proxy:", ":dbuser:")

  iam_statements = var.iam_auth != "REQUIRED" || length(var.db_users) == 0 ? [] : [{
    sid        = "ConnectThroughProxy"
    actions    = ["rds-db:connect"]
    resources  = [for u in var.db_users : "${local.connect_arn_prefix}/${u}"]
    conditions = []
  }]
}

resource "aws_iam_role" "this" {
  name        = "${var.name}-rds-proxy"
  description = "Lets RDS Proxy ${var.name} read the database credentials"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "rds.amazonaws.com" }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "read-database-secrets"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "ReadDatabaseSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = var.secret_arns
      }],
      var.secrets_kms_key_arn == null ? [] : [{
        Sid       = "DecryptDatabaseSecrets"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.secrets_kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = "secretsmanager.*.amazonaws.com" } }
      }],
    )
  })
}

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to aws_db_proxy.this below (vpc_security_group_ids); checkov does not count RDS Proxy as an attachment.
  name_prefix = "${var.name}-proxy-"
  description = "RDS Proxy ${var.name}: PostgreSQL from its clients, to its database"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-proxy" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  # count, not for_each: the ids are usually unknown until their groups exist.
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from client security group ${count.index}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.database_security_group_id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "database_from_proxy" {
  security_group_id            = var.database_security_group_id
  description                  = "PostgreSQL from RDS Proxy ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.this.id
  tags                         = var.tags
}

resource "aws_db_proxy" "this" {
  name                   = var.name
  engine_family          = var.engine_family
  role_arn               = aws_iam_role.this.arn
  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.this.id]
  require_tls            = true
  idle_client_timeout    = var.idle_client_timeout
  debug_logging          = var.debug_logging

  dynamic "auth" {
    for_each = toset(var.secret_arns)
    content {
      auth_scheme               = "SECRETS"
      secret_arn                = auth.value
      iam_auth                  = var.iam_auth
      client_password_auth_type = "POSTGRES_SCRAM_SHA_256"
      description               = "Database login from Secrets Manager"
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

resource "aws_db_proxy_default_target_group" "this" {
  db_proxy_name = aws_db_proxy.this.name

  connection_pool_config {
    max_connections_percent      = var.max_connections_percent
    max_idle_connections_percent = var.max_idle_connections_percent
    connection_borrow_timeout    = var.connection_borrow_timeout
    session_pinning_filters      = var.session_pinning_filters
  }
}

resource "aws_db_proxy_target" "this" {
  db_proxy_name          = aws_db_proxy.this.name
  target_group_name      = aws_db_proxy_default_target_group.this.name
  db_instance_identifier = var.db_instance_identifier
  db_cluster_identifier  = var.db_cluster_identifier
}
