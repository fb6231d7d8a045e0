locals {
  event_source_arn = coalesce(var.consumer_arn, var.stream_arn)
  destination_type = var.on_failure_destination_arn == null ? null : split(":", var.on_failure_destination_arn)[2]
  destination      = coalesce(var.on_failure_destination_arn, "none")

  read_statements = concat(
    [{
      sid        = "ReadStream"
      actions    = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]
      resources  = [var.stream_arn]
      conditions = []
    }],
    var.consumer_arn == null ? [] : [{
      sid        = "ReadThroughFanOutConsumer"
      actions    = ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"]
      resources  = [var.consumer_arn]
      conditions = []
    }],
    var.stream_kms_key_arn == null ? [] : [{
      sid        = "DecryptStream"
      actions    = ["kms:Decrypt"]
      resources  = [var.stream_kms_key_arn]
      conditions = []
    }],
  )

  destination_statements = {
    sqs = [{
      sid        = "SendFailedBatchesToQueue"
      actions    = ["sqs:SendMessage"]
      resources  = [local.destination]
      conditions = []
    }]
    sns = [{
      sid        = "PublishFailedBatchesToTopic"
      actions    = ["sns:Publish"]
      resources  = [local.destination]
      conditions = []
    }]
    s3 = [{
      sid        = "WriteFailedBatchesToBucket"
      actions    = ["s3:PutObject"]
      resources  = ["${local.destination}/*"]
      conditions = []
      }, {
      sid        = "ListFailureBucket"
      actions    = ["s3:ListBucket"]
      resources  = [local.destination]
      conditions = []
    }]
  }

  # Filter-criteria encryption: Lambda (the regional service principal) decrypts the patterns
  # while it polls, and the principal that creates or updates the mapping has Lambda generate a
  # data key and decrypt it on its behalf. Region, account and partition come from the stream ARN.
  arn_parts        = split(":", var.stream_arn)
  lambda_principal = "lambda.${local.arn_parts[3]}.${local.arn_parts[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}"
  filter_criteria_key_policy_statements = var.filter_criteria_kms_key_arn == null ? [] : [{
    Sid       = "LambdaDecryptsFilterCriteria"
    Effect    = "Allow"
    Principal = { Service = local.lambda_principal }
    Action    = "kms:Decrypt"
    Resource  = "*"
    Condition = {
      ArnLike      = { "aws:SourceArn" = "arn:${local.arn_parts[1]}:lambda:${local.arn_parts[3]}:${local.arn_parts[4]}:event-source-mapping:*" }
      StringEquals = { "kms:EncryptionContext:aws:lambda:EventSourceArn" = local.event_source_arn }
    }
  }]
  deployer_iam_statements = var.filter_criteria_kms_key_arn == null ? [] : [{
    sid       = "EncryptFilterCriteriaThroughLambda"
    actions   = ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.filter_criteria_kms_key_arn]
    conditions = [{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.lambda_principal]
    }]
  }]

  key_statements = var.destination_kms_key_arn == null ? [] : [{
    sid        = "EncryptFailedBatches"
    actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources  = [var.destination_kms_key_arn]
    conditions = []
  }]

  iam_statements = concat(
    local.read_statements,
    local.destination_type == null ? [] : local.destination_statements[local.destination_type],
    local.key_statements,
  )
}

resource "aws_lambda_event_source_mapping" "this" {
  function_name                      = var.function_name
  event_source_arn                   = local.event_source_arn
  enabled                            = var.enabled
  starting_position                  = var.starting_position
  starting_position_timestamp        = var.starting_position_timestamp
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  parallelization_factor             = var.parallelization_factor
  bisect_batch_on_function_error     = var.bisect_batch_on_function_error
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  function_response_types            = var.report_batch_item_failures ? ["ReportBatchItemFailures"] : []
  tumbling_window_in_seconds         = var.tumbling_window_in_seconds == 0 ? null : var.tumbling_window_in_seconds
  kms_key_arn                        = var.filter_criteria_kms_key_arn
  tags                               = var.tags

  # The mapping's own event counts (dropped, on-failure delivered, ...): without them a mapping
  # that throws records away says so nowhere.
  dynamic "metrics_config" {
    for_each = length(var.metrics) == 0 ? [] : [var.metrics]
    content {
      metrics = metrics_config.value
    }
  }

  dynamic "destination_config" {
    for_each = var.on_failure_destination_arn == null ? [] : [var.on_failure_destination_arn]
    content {
      on_failure {
        destination_arn = destination_config.value
      }
    }
  }

  dynamic "filter_criteria" {
    for_each = length(var.filter_patterns) == 0 ? [] : [var.filter_patterns]
    content {
      dynamic "filter" {
        for_each = filter_criteria.value
        content {
          pattern = filter.value
        }
      }
    }
  }
}
