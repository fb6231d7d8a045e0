# Reference clickstream pipeline:
#   Kinesis -> stream_processor (private subnets) -> PostgreSQL through RDS Proxy
#                 | poison records -> dead-letter queue
#                 | exhausted batches -> SNS failure topic -> failure_handler -> S3 archive
#                                                           (its own outcomes -> SQS destinations)
#   CloudWatch alarms on all of it -> encrypted SNS alarm topic; one dashboard
# The pipeline itself is one call of modules/kinesis-lambda-pipeline; this file adds what it
# runs in and writes to: the key, the network, the database behind RDS Proxy, artifacts.

# --- encryption ----------------------------------------------------------------

resource "aws_kms_key" "pipeline" {
  description         = "${var.name}: stream, queues, topics, archive, database, logs"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "AccountManagesKeyThroughIam"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
        {
          Sid       = "CloudWatchLogsOfThisAccount"
          Effect    = "Allow"
          Principal = { Service = "logs.${local.region}.amazonaws.com" }
          Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
          Resource  = "*"
          Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*" } }
        },
      ],
      # CloudWatch publishes the pipeline's alarms to the alarm topic, which this key encrypts.
      module.pipeline.alarm_topic_kms_key_policy_statements,
    )
  })
}

resource "aws_kms_alias" "pipeline" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.pipeline.key_id
}

# --- network -------------------------------------------------------------------

module "network" {
  source = "./modules/network"

  name                        = var.name
  cidr_block                  = var.vpc_cidr_block
  az_count                    = var.az_count
  nat_mode                    = var.nat_mode
  flow_logs_retention_in_days = var.log_retention_in_days
  flow_logs_kms_key_arn       = aws_kms_key.pipeline.arn
}

resource "aws_security_group" "functions" {
  #checkov:skip=CKV2_AWS_5:Attached to both functions through the lambda-function module's vpc_config, which checkov does not follow.
  name_prefix = "${var.name}-functions-"
  description = "Lambda functions of ${var.name}: HTTPS to VPC endpoints, PostgreSQL to RDS Proxy"
  vpc_id      = module.network.vpc_id
  tags        = { Name = "${var.name}-functions" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "functions_to_endpoints" {
  count = length(local.interface_services) > 0 ? 1 : 0

  security_group_id            = aws_security_group.functions.id
  description                  = "HTTPS to the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = module.endpoints.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "functions_to_gateways" {
  for_each = toset(local.gateway_endpoints)

  security_group_id = aws_security_group.functions.id
  description       = "HTTPS to the ${each.value} gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = module.endpoints.gateway_prefix_list_ids[each.value]
}

resource "aws_vpc_security_group_egress_rule" "functions_to_proxy" {
  security_group_id            = aws_security_group.functions.id
  description                  = "PostgreSQL to RDS Proxy"
  ip_protocol                  = "tcp"
  from_port                    = local.db_port
  to_port                      = local.db_port
  referenced_security_group_id = module.db_proxy.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "functions_to_internet" {
  #checkov:skip=CKV_AWS_382:Only with nat_mode != none, whose purpose is HTTPS egress to the internet; limited to port 443.
  count = var.nat_mode == "none" ? 0 : 1

  security_group_id = aws_security_group.functions.id
  description       = "HTTPS to the internet through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

module "endpoints" {
  source = "./modules/vpc-endpoints"

  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  route_table_ids            = module.network.private_route_table_ids
  gateway_services           = local.gateway_endpoints
  interface_services         = local.interface_services
  allowed_security_group_ids = [aws_security_group.functions.id]
}

# --- artifact bucket -----------------------------------------------------------
# Zips over 50 MB (`make build ARGS=--allow-s3-upload`, upload_via_s3 in the manifest) cannot be
# uploaded to Lambda directly. They go through var.artifact_bucket, or else through this bucket,
# which exists only while some artifact needs it: a stack without large zips is unchanged.

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second, log-receiving bucket; only `terraform apply` writes here (copies of dist/ zips) and Lambda reads on CreateFunction/UpdateFunctionCode, calls CloudTrail records.
  #checkov:skip=CKV_AWS_144:Cross-region replication adds nothing: Lambda needs the bucket in the function's own region, and every object is rebuilt by `make build`.
  #checkov:skip=CKV2_AWS_62:Nothing consumes artifact events; Terraform deploys each object right after uploading it.
  count = local.create_artifact_bucket ? 1 : 0

  bucket_prefix = "${var.name}-artifacts-"
  # It holds only copies of dist/ zips, and must go away (old versions included) once no artifact
  # needs S3 any more.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.artifacts[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.pipeline.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  rule {
    # A new build uploads under a new key and Terraform deletes the old object: its version
    # stays restorable for a while. Terraform uploads large zips in parts.
    id     = "expire-replaced-zips-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "artifacts" {
  count = local.create_artifact_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.artifacts[0].arn, "${aws_s3_bucket.artifacts[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}

# --- database ------------------------------------------------------------------

resource "aws_security_group" "database" {
  name_prefix = "${var.name}-database-"
  description = "PostgreSQL of ${var.name}: reachable only from its RDS Proxy"
  vpc_id      = module.network.vpc_id
  tags        = { Name = "${var.name}-database" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_subnet_group" "database" {
  name_prefix = "${var.name}-"
  description = "Private subnets of ${var.name}"
  subnet_ids  = module.network.private_subnet_ids
}

resource "aws_db_instance" "database" {
  #checkov:skip=CKV_AWS_157:Multi-AZ doubles the cost; db_multi_az turns it on.
  #checkov:skip=CKV_AWS_118:Enhanced monitoring needs an extra IAM role and costs; CloudWatch metrics and exported logs remain.
  #checkov:skip=CKV_AWS_353:Performance Insights is unavailable on the default micro instance class.
  #checkov:skip=CKV_AWS_354:Performance Insights is off (see CKV_AWS_353).
  #checkov:skip=CKV2_AWS_30:Query logging would write clickstream data into logs; connection and error logs are exported.
  identifier_prefix                   = "${var.name}-"
  engine                              = "postgres"
  engine_version                      = var.db_engine_version
  instance_class                      = var.db_instance_class
  allocated_storage                   = var.db_allocated_storage
  storage_type                        = "gp3"
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.pipeline.arn
  db_name                             = var.db_name
  username                            = var.db_username
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.pipeline.arn
  iam_database_authentication_enabled = true
  port                                = local.db_port
  db_subnet_group_name                = aws_db_subnet_group.database.name
  vpc_security_group_ids              = [aws_security_group.database.id]
  publicly_accessible                 = false
  multi_az                            = var.db_multi_az
  backup_retention_period             = var.db_backup_retention_days
  deletion_protection                 = var.db_deletion_protection
  skip_final_snapshot                 = var.db_skip_final_snapshot
  final_snapshot_identifier           = var.db_skip_final_snapshot ? null : "${var.name}-final"
  copy_tags_to_snapshot               = true
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
}

locals {
  db_secret_arn = aws_db_instance.database.master_user_secret[0].secret_arn
}

module "db_proxy" {
  source = "./modules/rds-proxy"

  name                       = var.name
  db_instance_identifier     = aws_db_instance.database.identifier
  secret_arns                = [local.db_secret_arn]
  secrets_kms_key_arn        = aws_kms_key.pipeline.arn
  iam_auth                   = var.db_auth == "iam" ? "REQUIRED" : "DISABLED"
  db_users                   = [var.db_username]
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [aws_security_group.functions.id]
  database_security_group_id = aws_security_group.database.id
  port                       = local.db_port
}

# --- functions' artifacts -----------------------------------------------------

module "layer" {
  source   = "./modules/lambda-layer"
  for_each = local.layer_artifacts

  layer_name      = "${var.name}-${replace(each.key, "_", "-")}"
  artifact        = each.value
  artifact_root   = local.artifact_root
  artifact_bucket = local.artifact_bucket
}

# --- the pipeline --------------------------------------------------------------

module "pipeline" {
  source = "./modules/kinesis-lambda-pipeline"

  name                   = var.name
  create_kms_key         = false
  kms_key_arn            = aws_kms_key.pipeline.arn
  stream_retention_hours = var.stream_retention_hours

  description                    = "Validates clickstream records into PostgreSQL; poison records to the dead-letter queue"
  artifact                       = local.artifact["stream_processor"]
  artifact_root                  = local.artifact_root
  artifact_bucket                = local.artifact_bucket
  layers                         = [for l in local.artifact["stream_processor"].layers : module.layer[l].layer_version_arn]
  memory_size                    = var.processor_memory_size
  timeout                        = var.processor_timeout
  reserved_concurrent_executions = var.processor_reserved_concurrency
  alias                          = var.processor_alias_name == null ? null : { name = var.processor_alias_name }
  log_retention_in_days          = var.log_retention_in_days
  vpc_config = {
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }
  environment_variables = {
    LOG_LEVEL     = var.log_level
    DB_HOST       = module.db_proxy.endpoint
    DB_PORT       = tostring(local.db_port)
    DB_NAME       = var.db_name
    DB_USER       = var.db_username
    DB_AUTH       = var.db_auth
    DB_SECRET_ARN = local.db_secret_arn
  }
  policy_statements = var.db_auth == "iam" ? module.db_proxy.iam_statements : [{
    sid        = "ReadDatabaseSecret"
    actions    = ["secretsmanager:GetSecretValue"]
    resources  = [local.db_secret_arn]
    conditions = []
  }]
  dead_letter_prefix = var.dead_letter_prefix

  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  parallelization_factor             = var.parallelization_factor
  maximum_retry_attempts             = var.maximum_retry_attempts

  failure_handler = {
    artifact              = local.artifact["failure_handler"]
    layers                = [for l in local.artifact["failure_handler"].layers : module.layer[l].layer_version_arn]
    memory_size           = var.handler_memory_size
    timeout               = var.handler_timeout
    environment_variables = { LOG_LEVEL = var.log_level }
  }
  archive_prefix        = var.archive_prefix
  archive_force_destroy = var.archive_force_destroy

  iterator_age_lagging_threshold_ms = var.iterator_age_lagging_threshold_ms
  alarm_period_seconds              = var.alarm_period_seconds
  alarm_evaluation_periods          = var.alarm_evaluation_periods
  alarm_topic_arn                   = var.alarm_topic_arn
}
