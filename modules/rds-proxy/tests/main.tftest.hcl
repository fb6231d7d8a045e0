mock_provider "aws" {}

variables {
  name                       = "clicks"
  db_instance_identifier     = "clicks-db"
  secret_arns                = ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:clicks-db-AbCdEf"]
  db_users                   = ["app"]
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  allowed_security_group_ids = ["sg-0f1"]
  database_security_group_id = "sg-0db"
}

run "tls_secrets_and_iam_auth" {
  command = plan

  override_resource {
    target          = aws_db_proxy.this
    override_during = plan
    values = {
      arn = "arn:aws:rds:eu-west-1:111122223333:db-proxy:prx-0123456789abcdef0"
    }
  }

  assert {
    condition     = aws_db_proxy.this.require_tls
    error_message = "the proxy must require TLS"
  }
  assert {
    condition     = one(aws_db_proxy.this.auth).iam_auth == "REQUIRED" && one(aws_db_proxy.this.auth).auth_scheme == "SECRETS" && one(aws_db_proxy.this.auth).secret_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:clicks-db-AbCdEf"
    error_message = "the proxy must log in with the secret and require IAM auth from clients"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.this.policy).Statement[0].Resource == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:clicks-db-AbCdEf"]
    error_message = "the proxy role may read only the given secrets"
  }
  assert {
    condition     = output.iam_statements[0].resources == ["arn:aws:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0/app"]
    error_message = "rds-db:connect must be scoped to this proxy and the given user"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.clients[0].from_port == 5432 && aws_vpc_security_group_egress_rule.database.referenced_security_group_id == "sg-0db"
    error_message = "the proxy admits clients on 5432 and talks only to the database"
  }
  assert {
    condition     = aws_db_proxy_target.this.db_instance_identifier == "clicks-db" && aws_db_proxy_default_target_group.this.connection_pool_config[0].max_connections_percent == 90
    error_message = "the proxy must target the instance with the default pool settings"
  }
}

run "secret_auth_only_grants_nothing_to_clients" {
  command = plan
  variables {
    iam_auth = "DISABLED"
  }
  assert {
    condition     = length(output.iam_statements) == 0 && one(aws_db_proxy.this.auth).iam_auth == "DISABLED"
    error_message = "without IAM auth no rds-db:connect statement is produced"
  }
}

run "instance_and_cluster_together_are_rejected" {
  command = plan
  variables {
    db_cluster_identifier = "clicks-cluster"
  }
  expect_failures = [var.db_cluster_identifier]
}

run "single_subnet_is_rejected" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a"]
  }
  expect_failures = [var.subnet_ids]
}

run "mysql_is_rejected" {
  command = plan
  variables {
    engine_family = "MYSQL"
  }
  expect_failures = [var.engine_family]
}

run "idle_timeout_28801_is_rejected" {
  command = plan
  variables {
    idle_client_timeout = 28801
  }
  expect_failures = [var.idle_client_timeout]
}

run "idle_above_max_connections_is_rejected" {
  command = plan
  variables {
    max_connections_percent      = 40
    max_idle_connections_percent = 50
  }
  expect_failures = [var.max_idle_connections_percent]
}

run "max_connections_101_is_rejected" {
  command = plan
  variables {
    max_connections_percent = 101
  }
  expect_failures = [var.max_connections_percent]
}

run "borrow_timeout_3601_is_rejected" {
  command = plan
  variables {
    connection_borrow_timeout = 3601
  }
  expect_failures = [var.connection_borrow_timeout]
}

run "no_secret_is_rejected" {
  command = plan
  variables {
    secret_arns = []
  }
  expect_failures = [var.secret_arns]
}

run "invalid_allowed_security_group_ids_is_rejected" {
  command = plan
  variables {
    allowed_security_group_ids = ["default"]
  }
  expect_failures = [var.allowed_security_group_ids]
}

run "invalid_database_security_group_id_is_rejected" {
  command = plan
  variables {
    database_security_group_id = "database"
  }
  expect_failures = [var.database_security_group_id]
}

run "invalid_db_users_is_rejected" {
  command = plan
  variables {
    db_users = ["app-user"]
  }
  expect_failures = [var.db_users]
}

run "invalid_iam_auth_is_rejected" {
  command = plan
  variables {
    iam_auth = "OPTIONAL"
  }
  expect_failures = [var.iam_auth]
}

run "invalid_name_is_rejected" {
  command = plan
  variables {
    name = "1proxy"
  }
  expect_failures = [var.name]
}

run "invalid_port_is_rejected" {
  command = plan
  variables {
    port = 80
  }
  expect_failures = [var.port]
}

run "invalid_secrets_kms_key_arn_is_rejected" {
  command = plan
  variables {
    secrets_kms_key_arn = "alias/secrets"
  }
  expect_failures = [var.secrets_kms_key_arn]
}

run "invalid_session_pinning_filters_is_rejected" {
  command = plan
  variables {
    session_pinning_filters = ["EXCLUDE_TRANSACTIONS"]
  }
  expect_failures = [var.session_pinning_filters]
}

run "invalid_vpc_id_is_rejected" {
  command = plan
  variables {
    vpc_id = "default"
  }
  expect_failures = [var.vpc_id]
}
