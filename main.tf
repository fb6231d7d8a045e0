# Reference clickstream pipeline:
#   Kinesis -> stream_processor (private subnets) -> PostgreSQL through RDS Proxy
#                 | poison records -> dead-letter queue
#                 | exhausted batches -> SNS failure topic -> failure_handler -> S3 archive
#                                                           (its own outcomes -> SQS destinations)
#   CloudWatch alarms on all of it -> encrypted SNS alarm topic; one dashboard

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
      module.monitoring.topic_kms_key_policy_statements,
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

# --- stream and queues ---------------------------------------------------------

module "stream" {
  source = "./modules/kinesis-stream"

  name             = var.name
  retention_period = var.stream_retention_hours
  kms_key_id       = aws_kms_key.pipeline.arn
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-poison-records"
  kms_master_key_id         = aws_kms_key.pipeline.arn
  message_retention_seconds = 1209600
}

resource "aws_sns_topic" "batch_failures" {
  name              = "${var.name}-batch-failures"
  kms_master_key_id = aws_kms_key.pipeline.arn
}

resource "aws_sqs_queue" "handler_outcomes" {
  for_each = toset(["succeeded", "failed"])

  name                      = "${var.name}-failure-handler-${each.value}"
  kms_master_key_id         = aws_kms_key.pipeline.arn
  message_retention_seconds = 1209600
}

# --- archive bucket ------------------------------------------------------------

resource "aws_s3_bucket" "archive" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second, log-receiving bucket; the archive is written only by failure_handler and (dead-letter payloads) stream_processor, whose calls CloudTrail data events can record.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice with its own cost; the archive holds copies of records that can be replayed.
  #checkov:skip=CKV2_AWS_62:Nothing consumes archive events; `replay` reads the archive on demand.
  bucket_prefix = "${var.name}-archive-"
  force_destroy = var.archive_force_destroy
}

resource "aws_s3_bucket_public_access_block" "archive" {
  bucket                  = aws_s3_bucket.archive.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.pipeline.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    id     = "expire-old-versions-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "archive" {
  bucket = aws_s3_bucket.archive.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.archive.arn, "${aws_s3_bucket.archive.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.archive]
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

# --- functions -----------------------------------------------------------------

module "layer" {
  source   = "./modules/lambda-layer"
  for_each = local.layer_artifacts

  layer_name      = "${var.name}-${replace(each.key, "_", "-")}"
  artifact        = each.value
  artifact_root   = var.artifact_root
  artifact_bucket = local.artifact_bucket
}

module "processor_mapping" {
  source = "./modules/kinesis-event-source"

  function_name                      = module.stream_processor.function_name
  stream_arn                         = module.stream.stream_arn
  stream_kms_key_arn                 = aws_kms_key.pipeline.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  parallelization_factor             = var.parallelization_factor
  maximum_retry_attempts             = var.maximum_retry_attempts
  bisect_batch_on_function_error     = true
  report_batch_item_failures         = true
  on_failure_destination_arn         = aws_sns_topic.batch_failures.arn
  destination_kms_key_arn            = aws_kms_key.pipeline.arn
}

module "stream_processor" {
  source = "./modules/lambda-function"

  function_name                  = "${var.name}-stream-processor"
  description                    = "Validates clickstream records into PostgreSQL; poison records to the dead-letter queue"
  artifact                       = local.artifact["stream_processor"]
  artifact_root                  = var.artifact_root
  artifact_bucket                = local.artifact_bucket
  layers                         = [for l in local.artifact["stream_processor"].layers : module.layer[l].layer_version_arn]
  memory_size                    = var.processor_memory_size
  timeout                        = var.processor_timeout
  reserved_concurrent_executions = var.processor_reserved_concurrency
  kms_key_arn                    = aws_kms_key.pipeline.arn
  log_retention_in_days          = var.log_retention_in_days
  log_kms_key_arn                = aws_kms_key.pipeline.arn
  create_log_kms_key             = false
  vpc_config = {
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }
  environment_variables = {
    LOG_LEVEL          = var.log_level
    DLQ_URL            = aws_sqs_queue.dead_letter.url
    DLQ_PAYLOAD_BUCKET = aws_s3_bucket.archive.id
    DLQ_PAYLOAD_PREFIX = var.dead_letter_prefix
    DB_HOST            = module.db_proxy.endpoint
    DB_PORT            = tostring(local.db_port)
    DB_NAME            = var.db_name
    DB_USER            = var.db_username
    DB_AUTH            = var.db_auth
    DB_SECRET_ARN      = local.db_secret_arn
  }
  policy_statements = concat(
    module.processor_mapping.iam_statements,
    # The queue's key (the pipeline key) is already granted by the mapping's destination statements;
    # the archive's SSE-KMS needs kms:GenerateDataKey on it for PutObject, granted here for its own sake.
    [
      {
        sid        = "SendPoisonRecords"
        actions    = ["sqs:SendMessage"]
        resources  = [aws_sqs_queue.dead_letter.arn]
        conditions = []
      },
      {
        sid        = "KeepLargePoisonRecords"
        actions    = ["s3:PutObject"]
        resources  = ["${aws_s3_bucket.archive.arn}/${var.dead_letter_prefix}*"]
        conditions = []
      },
      {
        sid        = "EncryptLargePoisonRecords"
        actions    = ["kms:GenerateDataKey"]
        resources  = [aws_kms_key.pipeline.arn]
        conditions = []
      },
    ],
    var.db_auth == "iam" ? module.db_proxy.iam_statements : [{
      sid        = "ReadDatabaseSecret"
      actions    = ["secretsmanager:GetSecretValue"]
      resources  = [local.db_secret_arn]
      conditions = []
    }],
  )
}

module "failure_handler_destinations" {
  source = "./modules/lambda-destinations"

  function_name              = module.failure_handler.function_name
  maximum_retry_attempts     = 2
  on_success_destination_arn = aws_sqs_queue.handler_outcomes["succeeded"].arn
  on_failure_destination_arn = aws_sqs_queue.handler_outcomes["failed"].arn
  destination_kms_key_arns   = [aws_kms_key.pipeline.arn]
}

module "failure_handler" {
  source = "./modules/lambda-function"

  function_name         = "${var.name}-failure-handler"
  description           = "Re-reads batches the event source mapping gave up on and archives them to S3"
  artifact              = local.artifact["failure_handler"]
  artifact_root         = var.artifact_root
  artifact_bucket       = local.artifact_bucket
  layers                = [for l in local.artifact["failure_handler"].layers : module.layer[l].layer_version_arn]
  memory_size           = var.handler_memory_size
  timeout               = var.handler_timeout
  kms_key_arn           = aws_kms_key.pipeline.arn
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = aws_kms_key.pipeline.arn
  create_log_kms_key    = false
  vpc_config = {
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }
  environment_variables = {
    LOG_LEVEL      = var.log_level
    ARCHIVE_BUCKET = aws_s3_bucket.archive.id
    ARCHIVE_PREFIX = var.archive_prefix
  }
  policy_statements = concat(
    [
      {
        sid        = "RereadFailedRecords"
        actions    = ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"]
        resources  = [module.stream.stream_arn]
        conditions = []
      },
      {
        sid        = "ArchiveFailedRecords"
        actions    = ["s3:PutObject"]
        resources  = ["${aws_s3_bucket.archive.arn}/${var.archive_prefix}*"]
        conditions = []
      },
      {
        sid        = "UsePipelineKey"
        actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
        resources  = [aws_kms_key.pipeline.arn]
        conditions = []
      },
    ],
    module.failure_handler_destinations.iam_statements,
  )
}

resource "aws_lambda_permission" "failure_topic" {
  statement_id  = "InvokeFromBatchFailureTopic"
  action        = "lambda:InvokeFunction"
  function_name = module.failure_handler.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.batch_failures.arn
}

resource "aws_sns_topic_subscription" "failure_handler" {
  topic_arn = aws_sns_topic.batch_failures.arn
  protocol  = "lambda"
  endpoint  = module.failure_handler.function_arn

  depends_on = [aws_lambda_permission.failure_topic]
}

# --- monitoring ----------------------------------------------------------------

module "monitoring" {
  source = "./modules/pipeline-monitoring"

  name                              = var.name
  stream_name                       = module.stream.stream_name
  stream_mode                       = module.stream.stream_mode
  stream_retention_hours            = var.stream_retention_hours
  processor_function_name           = module.stream_processor.function_name
  processor_timeout_seconds         = var.processor_timeout
  event_source_mapping_uuid         = module.processor_mapping.uuid
  failure_handler_function_name     = module.failure_handler.function_name
  dead_letter_queue_name            = aws_sqs_queue.dead_letter.name
  failure_queue_name                = aws_sqs_queue.handler_outcomes["failed"].name
  iterator_age_lagging_threshold_ms = var.iterator_age_lagging_threshold_ms
  period_seconds                    = var.alarm_period_seconds
  evaluation_periods                = var.alarm_evaluation_periods
  alarm_topic_arn                   = var.alarm_topic_arn
  topic_kms_key_arn                 = var.alarm_topic_arn == null ? aws_kms_key.pipeline.arn : null
}
