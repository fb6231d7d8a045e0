# One stream + one function artifact -> a complete Kinesis -> Lambda pipeline, composed from the
# sibling modules (kinesis-stream, lambda-function, kinesis-event-source, lambda-destinations,
# pipeline-monitoring):
#   stream (created, or given by ARN) [-> this pipeline's own enhanced fan-out consumer]
#     -> event source mapping (bisect, partial batch responses, finite retries) -> function
#          | poison records -> dead-letter queue (too large for SQS: archive bucket + pointer)
#          | exhausted batches -> SNS topic -> failure handler -> archive bucket
#                                  (or an SQS queue)      (its own outcomes -> two queues)
#   alarms + dashboard; one KMS key for all of it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id

  function_name = coalesce(var.function_name, "${var.name}-stream-processor")
  handler_name  = var.failure_handler == null ? null : coalesce(var.failure_handler.function_name, "${var.name}-failure-handler")

  kms_key_arn        = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  stream_arn         = var.create_stream ? module.stream[0].stream_arn : var.stream_arn
  stream_name        = var.create_stream ? module.stream[0].stream_name : split("/", var.stream_arn)[1]
  stream_kms_key_arn = var.create_stream ? local.kms_key_arn : var.stream_kms_key_arn

  # A topic only when something subscribes to it by default: without a handler a queue keeps
  # the descriptions of failed batches (14 days, alarmed) where a topic would drop them.
  on_failure_destination = coalesce(var.on_failure_destination, var.failure_handler == null ? "sqs" : "sns")
  on_failure_arn         = local.on_failure_destination == "sns" ? one(aws_sns_topic.batch_failures[*].arn) : one(aws_sqs_queue.batch_failures[*].arn)

  create_archive = var.failure_handler != null || var.dead_letter_payload_variables != null
  archive_bucket = one(aws_s3_bucket.archive[*].id)
  archive_arn    = one(aws_s3_bucket.archive[*].arn)

  # What a key passed in (create_kms_key = false) must allow beyond its account: CloudWatch Logs
  # for these functions' log groups, and CloudWatch for the alarms when the created topic is
  # encrypted with it. Built from names only, so a key policy can use it without a cycle.
  log_group_arns = [for f in compact([local.function_name, local.handler_name]) :
  "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${f}"]
  kms_key_policy_statements = concat(
    [{
      Sid       = "CloudWatchLogsOfThisPipeline"
      Effect    = "Allow"
      Principal = { Service = "logs.${local.region}.amazonaws.com" }
      Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arns } }
    }],
    var.alarm_topic_arn == null ? module.monitoring.topic_kms_key_policy_statements : [],
  )

  dead_letter_environment = merge(
    { (var.dead_letter_queue_url_variable) = aws_sqs_queue.dead_letter.url },
    var.dead_letter_payload_variables == null ? {} : {
      (var.dead_letter_payload_variables.bucket) = local.archive_bucket
      (var.dead_letter_payload_variables.prefix) = var.dead_letter_prefix
    },
  )
  # Sending to the queue encrypted with the pipeline key needs kms:GenerateDataKey and kms:Decrypt
  # on it: the mapping's statements grant them for its on-failure destination, which uses the same key.
  dead_letter_statements = concat(
    [{
      sid        = "SendPoisonRecords"
      actions    = ["sqs:SendMessage"]
      resources  = [aws_sqs_queue.dead_letter.arn]
      conditions = []
    }],
    var.dead_letter_payload_variables == null ? [] : [
      {
        sid        = "KeepLargePoisonRecords"
        actions    = ["s3:PutObject"]
        resources  = ["${local.archive_arn}/${var.dead_letter_prefix}*"]
        conditions = []
      },
      {
        sid        = "EncryptLargePoisonRecords"
        actions    = ["kms:GenerateDataKey"]
        resources  = [local.kms_key_arn]
        conditions = []
      },
    ],
  )
}

# --- encryption ----------------------------------------------------------------

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description         = "${var.name}: stream, queues, topics, archive, logs"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "AccountManagesKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      }],
      local.kms_key_policy_statements,
    )
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

# --- stream --------------------------------------------------------------------

module "stream" {
  source = "../kinesis-stream"
  count  = var.create_stream ? 1 : 0

  name             = var.name
  stream_mode      = var.stream_mode
  shard_count      = var.stream_shard_count
  retention_period = var.stream_retention_hours
  kms_key_id       = local.kms_key_arn
  tags             = var.tags
}

# Here rather than through kinesis-stream's option, so a pipeline gets its own consumer on a
# stream it does not create.
resource "aws_kinesis_stream_consumer" "this" {
  count = var.enhanced_fan_out_consumer_name == null ? 0 : 1

  name       = var.enhanced_fan_out_consumer_name
  stream_arn = local.stream_arn
}

# --- queues and topics ---------------------------------------------------------

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-poison-records"
  kms_master_key_id         = local.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sns_topic" "batch_failures" {
  count = local.on_failure_destination == "sns" ? 1 : 0

  name              = "${var.name}-batch-failures"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

resource "aws_sqs_queue" "batch_failures" {
  count = local.on_failure_destination == "sqs" ? 1 : 0

  name                      = "${var.name}-batch-failures"
  kms_master_key_id         = local.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "handler_outcomes" {
  for_each = var.failure_handler == null ? toset([]) : toset(["succeeded", "failed"])

  name                      = "${local.handler_name}-${each.value}"
  kms_master_key_id         = local.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

# --- archive bucket ------------------------------------------------------------
# Failed batches the failure handler re-read, and dead letters too large for SQS.

resource "aws_s3_bucket" "archive" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second, log-receiving bucket; the archive is written only by the failure handler and (dead-letter payloads) the function, whose calls CloudTrail data events can record.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice with its own cost; the archive holds copies of records that can be replayed.
  #checkov:skip=CKV2_AWS_62:Nothing consumes archive events; `replay` reads the archive on demand.
  count = local.create_archive ? 1 : 0

  bucket_prefix = "${var.name}-archive-"
  force_destroy = var.archive_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "archive" {
  count = local.create_archive ? 1 : 0

  bucket                  = aws_s3_bucket.archive[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "archive" {
  count = local.create_archive ? 1 : 0

  bucket = aws_s3_bucket.archive[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "archive" {
  count = local.create_archive ? 1 : 0

  bucket = aws_s3_bucket.archive[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "archive" {
  count = local.create_archive ? 1 : 0

  bucket = aws_s3_bucket.archive[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  count = local.create_archive ? 1 : 0

  bucket = aws_s3_bucket.archive[0].id
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
  count = local.create_archive ? 1 : 0

  bucket = aws_s3_bucket.archive[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [local.archive_arn, "${local.archive_arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.archive]
}

# --- the function and its mapping ----------------------------------------------

module "function" {
  source = "../lambda-function"

  function_name                     = local.function_name
  description                       = var.description
  artifact                          = var.artifact
  artifact_root                     = var.artifact_root
  artifact_bucket                   = var.artifact_bucket
  layers                            = var.layers
  memory_size                       = var.memory_size
  timeout                           = var.timeout
  reserved_concurrent_executions    = var.reserved_concurrent_executions
  kms_key_arn                       = local.kms_key_arn
  log_retention_in_days             = var.log_retention_in_days
  log_kms_key_arn                   = local.kms_key_arn
  create_log_kms_key                = false
  vpc_config                        = var.vpc_config
  publish                           = var.alias != null
  alias_name                        = try(var.alias.name, null)
  alias_function_version            = try(var.alias.function_version, null)
  provisioned_concurrent_executions = try(var.alias.provisioned_concurrent_executions, 0)
  logging_config                    = var.logging_config
  environment_variables             = merge(var.environment_variables, local.dead_letter_environment)
  policy_statements                 = concat(module.mapping.iam_statements, local.dead_letter_statements, var.policy_statements)
  tags                              = var.tags
}

locals {
  # With an alias the mapping invokes it, so moving the alias changes the code that runs.
  mapping_target = var.alias == null ? module.function.function_name : module.function.target_arn
}

module "mapping" {
  source = "../kinesis-event-source"

  function_name                      = local.mapping_target
  stream_arn                         = local.stream_arn
  consumer_arn                       = one(aws_kinesis_stream_consumer.this[*].arn)
  stream_kms_key_arn                 = local.stream_kms_key_arn
  starting_position                  = var.starting_position
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  parallelization_factor             = var.parallelization_factor
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  bisect_batch_on_function_error     = true
  report_batch_item_failures         = true
  on_failure_destination_arn         = local.on_failure_arn
  destination_kms_key_arn            = local.kms_key_arn
  tags                               = var.tags
}

# --- failure handler -----------------------------------------------------------

module "failure_handler" {
  source = "../lambda-function"
  count  = var.failure_handler == null ? 0 : 1

  function_name         = local.handler_name
  description           = var.failure_handler.description
  artifact              = var.failure_handler.artifact
  artifact_root         = var.artifact_root
  artifact_bucket       = var.artifact_bucket
  layers                = var.failure_handler.layers
  memory_size           = var.failure_handler.memory_size
  timeout               = var.failure_handler.timeout
  kms_key_arn           = local.kms_key_arn
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = local.kms_key_arn
  create_log_kms_key    = false
  vpc_config            = var.vpc_config
  environment_variables = merge(var.failure_handler.environment_variables, {
    ARCHIVE_BUCKET = local.archive_bucket
    ARCHIVE_PREFIX = var.archive_prefix
  })
  policy_statements = concat(
    [
      {
        sid        = "RereadFailedRecords"
        actions    = ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"]
        resources  = [local.stream_arn]
        conditions = []
      },
      {
        sid        = "ArchiveFailedRecords"
        actions    = ["s3:PutObject"]
        resources  = ["${local.archive_arn}/${var.archive_prefix}*"]
        conditions = []
      },
      {
        sid        = "UsePipelineKey"
        actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
        resources  = [local.kms_key_arn]
        conditions = []
      },
    ],
    var.create_stream || var.stream_kms_key_arn == null ? [] : [{
      sid        = "DecryptStream"
      actions    = ["kms:Decrypt"]
      resources  = [var.stream_kms_key_arn]
      conditions = []
    }],
    module.failure_handler_destinations[0].iam_statements,
  )
  tags = var.tags
}

module "failure_handler_destinations" {
  source = "../lambda-destinations"
  count  = var.failure_handler == null ? 0 : 1

  function_name              = module.failure_handler[0].function_name
  maximum_retry_attempts     = 2
  on_success_destination_arn = aws_sqs_queue.handler_outcomes["succeeded"].arn
  on_failure_destination_arn = aws_sqs_queue.handler_outcomes["failed"].arn
  destination_kms_key_arns   = [local.kms_key_arn]
}

resource "aws_lambda_permission" "failure_topic" {
  count = var.failure_handler == null ? 0 : 1

  statement_id  = "InvokeFromBatchFailureTopic"
  action        = "lambda:InvokeFunction"
  function_name = module.failure_handler[0].function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.batch_failures[0].arn
}

resource "aws_sns_topic_subscription" "failure_handler" {
  count = var.failure_handler == null ? 0 : 1

  topic_arn = aws_sns_topic.batch_failures[0].arn
  protocol  = "lambda"
  endpoint  = module.failure_handler[0].function_arn

  depends_on = [aws_lambda_permission.failure_topic]
}

# --- monitoring ----------------------------------------------------------------

module "monitoring" {
  source = "../pipeline-monitoring"

  name                              = var.name
  stream_name                       = local.stream_name
  stream_mode                       = var.stream_mode
  stream_retention_hours            = var.stream_retention_hours
  processor_function_name           = module.function.function_name
  processor_timeout_seconds         = var.timeout
  event_source_mapping_uuid         = module.mapping.uuid
  failure_handler_function_name     = one(module.failure_handler[*].function_name)
  dead_letter_queue_name            = aws_sqs_queue.dead_letter.name
  failure_queue_name                = var.failure_handler == null ? one(aws_sqs_queue.batch_failures[*].name) : aws_sqs_queue.handler_outcomes["failed"].name
  iterator_age_lagging_threshold_ms = var.iterator_age_lagging_threshold_ms
  period_seconds                    = var.alarm_period_seconds
  evaluation_periods                = var.alarm_evaluation_periods
  alarm_topic_arn                   = var.alarm_topic_arn
  topic_kms_key_arn                 = var.alarm_topic_arn == null ? local.kms_key_arn : null
  tags                              = var.tags
}
