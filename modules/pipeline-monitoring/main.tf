data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id

  # Every alarm's name starts with "<name>-": the topic and key statements are scoped to them.
  alarm_arn_pattern = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-*"
  topic_arn         = var.alarm_topic_arn != null ? var.alarm_topic_arn : aws_sns_topic.alarms[0].arn

  retention_ms = var.stream_retention_hours * 3600000
  at_risk_ms   = floor(local.retention_ms * var.records_at_risk_retention_percent / 100)
  timeout_ms   = var.processor_timeout_seconds * 1000
  duration_ms  = floor(local.timeout_ms * var.duration_timeout_percent / 100)
  sustained    = "${var.evaluation_periods} period(s) of ${var.period_seconds} s in a row"
  at_risk_left = format("%.1f", local.retention_ms * (100 - var.records_at_risk_retention_percent) / 100 / 3600000)

  processor = { FunctionName = var.processor_function_name }
  mapping   = { EventSourceMappingUUID = var.event_source_mapping_uuid }
  stream    = { StreamName = var.stream_name }
  log_group = "/aws/lambda/${var.processor_function_name}"

  # One entry per alarm, keyed by purpose. `periods` breaching periods in a row fire it;
  # `missing` is its treat_missing_data (the README says why for each).
  pipeline_alarms = {
    iterator_age_lagging = {
      namespace = "AWS/Lambda", metric = "IteratorAge", dimensions = local.processor, statistic = "Maximum"
      threshold = var.iterator_age_lagging_threshold_ms, periods = var.evaluation_periods, missing = "ignore"
      description = join(" ", [
        "${var.processor_function_name} is lagging on stream ${var.stream_name}: the last record of its batches waited over ${var.iterator_age_lagging_threshold_ms} ms (IteratorAge Maximum) for ${local.sustained}.",
        "Open dashboard ${var.name}: if Errors, Throttles or Duration are up, fix that first (${local.log_group});",
        "if the function is healthy but slow, raise the mapping's parallelization_factor or batch_size, the function's memory or concurrency, or the shard count.",
      ])
    }
    iterator_age_records_at_risk = {
      namespace = "AWS/Lambda", metric = "IteratorAge", dimensions = local.processor, statistic = "Maximum"
      threshold = local.at_risk_ms, periods = 1, missing = "ignore"
      description = join(" ", [
        "Records of stream ${var.stream_name} wait unprocessed for over ${var.records_at_risk_retention_percent}% of its ${var.stream_retention_hours} h retention (IteratorAge ${local.at_risk_ms} ms):",
        "at this lag they expire unread in under ${local.at_risk_left} h. Act now: extend the retention to buy time",
        "(aws kinesis increase-stream-retention-period --stream-name ${var.stream_name} --retention-period-hours <hours>),",
        "then fix what the lagging, errors and throttles alarms point at.",
      ])
    }
    dropped_events = {
      namespace = "AWS/Lambda", metric = "DroppedEventCount", dimensions = local.mapping, statistic = "Sum"
      threshold = 0, periods = 1, missing = "notBreaching"
      description = join(" ", [
        "The event source mapping ${var.event_source_mapping_uuid} (${var.stream_name} -> ${var.processor_function_name}) dropped records:",
        "they exceeded the maximum retry attempts or record age and no on-failure destination received them, so the pipeline lost them.",
        "Check DestinationDeliveryFailures and the destination's permissions, find the failing batches in ${local.log_group},",
        "and re-read the records from the stream by sequence number while its retention lasts.",
      ])
    }
    on_failure_delivered = {
      namespace = "AWS/Lambda", metric = "OnFailureDestinationDeliveredEventCount", dimensions = local.mapping, statistic = "Sum"
      threshold = 0, periods = 1, missing = "notBreaching"
      description = join(" ", [
        "Batches of ${var.stream_name} exhausted their retries in ${var.processor_function_name} and went to the mapping's on-failure destination (metadata only: shard and sequence range):",
        "their records were not processed. Fix the cause (processor errors, ${local.log_group}), then reprocess the ranges the destination received.",
      ])
    }
    processor_errors = {
      namespace = "AWS/Lambda", metric = "Errors", dimensions = local.processor, statistic = "Sum"
      threshold = var.errors_threshold, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "${var.processor_function_name} had more than ${var.errors_threshold} function errors per period for ${local.sustained} (exceptions, timeouts, out of memory).",
        "Its batches are retried and bisected until retries run out, while the shard waits. Read ${local.log_group}.",
      ])
    }
    processor_throttles = {
      namespace = "AWS/Lambda", metric = "Throttles", dimensions = local.processor, statistic = "Sum"
      threshold = 0, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "${var.processor_function_name} was throttled for ${local.sustained}: its reserved concurrency or the account's is used up, so shards wait and lag grows.",
        "Raise its reserved concurrency (or the account quota), or lower the mapping's parallelization_factor.",
      ])
    }
    processor_duration = {
      namespace = "AWS/Lambda", metric = "Duration", dimensions = local.processor, statistic = "Maximum"
      threshold = local.duration_ms, periods = 1, missing = "notBreaching"
      description = join(" ", [
        "${var.processor_function_name}'s slowest invocation took over ${local.duration_ms} ms, ${var.duration_timeout_percent}% of its ${var.processor_timeout_seconds} s timeout:",
        "either it is waiting out a database outage (its log says error_kind sink_unavailable: check the database and RDS Proxy), or a slower batch would time out and be retried whole",
        "(find the slow dependency in ${local.log_group}, or raise the timeout or memory, or lower batch_size).",
      ])
    }
  }

  handler_alarms = var.failure_handler_function_name == null ? {} : {
    failure_handler_errors = {
      namespace = "AWS/Lambda", metric = "Errors", dimensions = { FunctionName = var.failure_handler_function_name }, statistic = "Sum"
      threshold = var.errors_threshold, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "${var.failure_handler_function_name}, which handles the batches the mapping gave up on, failed for ${local.sustained}: those records may not be kept.",
        "Read /aws/lambda/${var.failure_handler_function_name}; its own failures go to its Destinations failure queue.",
      ])
    }
    failure_handler_throttles = {
      namespace = "AWS/Lambda", metric = "Throttles", dimensions = { FunctionName = var.failure_handler_function_name }, statistic = "Sum"
      threshold = 0, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "${var.failure_handler_function_name} was throttled for ${local.sustained}: failed batches wait in its asynchronous queue and expire at its maximum event age.",
        "Raise its reserved concurrency or the account quota.",
      ])
    }
  }

  queues = { for purpose, name in { dead_letter = var.dead_letter_queue_name, failure_queue = var.failure_queue_name } : purpose => name if name != null }
  queue_what = {
    dead_letter   = "poison records the processor refused (payload and reason): fix the data or the rules, put the now-valid records back into ${var.stream_name}, then delete them from the queue"
    failure_queue = "records that failed after the processor (batches nobody archived or reprocessed): read them, fix the cause, reprocess them, then delete them from the queue"
  }
  queue_alarms = merge([for purpose, queue in local.queues : {
    "${purpose}_messages_visible" = {
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = queue }, statistic = "Maximum"
      threshold   = 0, periods = 1, missing = "notBreaching"
      description = "Messages are waiting in ${queue}: ${local.queue_what[purpose]}."
    }
    "${purpose}_oldest_message_age" = {
      namespace   = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = queue }, statistic = "Maximum"
      threshold   = var.queue_oldest_message_age_threshold_seconds, periods = 1, missing = "notBreaching"
      description = "The oldest message in ${queue} has waited over ${var.queue_oldest_message_age_threshold_seconds} s unhandled; at the queue's retention SQS deletes it and it is lost. Handle the queue now: ${local.queue_what[purpose]}."
    }
  }]...)

  stream_alarms = var.stream_mode != "PROVISIONED" ? {} : {
    stream_read_throttled = {
      namespace = "AWS/Kinesis", metric = "ReadProvisionedThroughputExceeded", dimensions = local.stream, statistic = "Sum"
      threshold = 0, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "Reads of ${var.stream_name} were throttled for ${local.sustained}: its readers exceed 2 MB/s or 5 GetRecords calls/s per shard, so the processor lags.",
        "Add shards, or give the processor an enhanced fan-out consumer (dedicated throughput).",
      ])
    }
    stream_write_throttled = {
      namespace = "AWS/Kinesis", metric = "WriteProvisionedThroughputExceeded", dimensions = local.stream, statistic = "Sum"
      threshold = 0, periods = var.evaluation_periods, missing = "notBreaching"
      description = join(" ", [
        "Writes to ${var.stream_name} were throttled for ${local.sustained} (1 MB/s or 1,000 records/s per shard): producers must retry or lose those records.",
        "Add shards or switch the stream to ON_DEMAND; check that partition keys spread over the shards.",
      ])
    }
  }

  alarms = merge(local.pipeline_alarms, local.handler_alarms, local.queue_alarms, local.stream_alarms)
}

# --- notifications -------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = var.topic_kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  count = var.alarm_topic_arn == null ? 1 : 0

  arn = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountManagesTopic"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
          "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
        ]
        Resource = aws_sns_topic.alarms[0].arn
      },
      {
        Sid       = "CloudWatchAlarmsOfThisModulePublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms[0].arn
        Condition = {
          ArnLike      = { "aws:SourceArn" = local.alarm_arn_pattern }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })
}

# --- alarms --------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  depends_on = [aws_sns_topic_policy.alarms]
}

# --- dashboard -----------------------------------------------------------------

locals {
  functions = compact([var.processor_function_name, var.failure_handler_function_name])
  mapping_counts = [
    "PolledEventCount", "FilteredOutEventCount", "InvokedEventCount", "FailedInvokeEventCount",
    "DroppedEventCount", "OnFailureDestinationDeliveredEventCount",
  ]

  metric_widgets = concat(
    [
      {
        title   = "Records in: ${var.stream_name}"
        metrics = [["AWS/Kinesis", "IncomingRecords", "StreamName", var.stream_name, { stat = "Sum", label = "IncomingRecords" }]]
      },
      {
        title   = "Records through the mapping (processed, filtered, failed, dropped)"
        metrics = [for m in local.mapping_counts : ["AWS/Lambda", m, "EventSourceMappingUUID", var.event_source_mapping_uuid, { stat = "Sum", label = m }]]
      },
      {
        title   = "Iterator age (ms) per function"
        metrics = [["AWS/Lambda", "IteratorAge", "FunctionName", var.processor_function_name, { stat = "Maximum", label = var.processor_function_name }]]
        annotations = { horizontal = [
          { label = "lagging", value = var.iterator_age_lagging_threshold_ms },
          { label = "records at risk", value = local.at_risk_ms },
        ] }
      },
      {
        title = "Errors and throttles"
        metrics = flatten([for f in local.functions : [
          ["AWS/Lambda", "Errors", "FunctionName", f, { stat = "Sum", label = "${f} errors" }],
          ["AWS/Lambda", "Throttles", "FunctionName", f, { stat = "Sum", label = "${f} throttles" }],
        ]])
      },
      {
        title = "Duration vs timeout (ms): ${var.processor_function_name}"
        metrics = [for s in ["Maximum", "p99", "Average"] :
        ["AWS/Lambda", "Duration", "FunctionName", var.processor_function_name, { stat = s, label = s }]]
        annotations = { horizontal = [
          { label = "timeout", value = local.timeout_ms },
          { label = "${var.duration_timeout_percent}% of timeout", value = local.duration_ms },
        ] }
      },
      {
        title   = "Concurrent executions"
        metrics = [for f in local.functions : ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", f, { stat = "Maximum", label = f }]]
      },
    ],
    length(local.queues) == 0 ? [] : [{
      title = "Dead-letter and failure queues: depth (left), oldest message age in s (right)"
      metrics = flatten([for purpose, queue in local.queues : [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { stat = "Maximum", label = "${queue} visible" }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, { stat = "Maximum", label = "${queue} oldest (s)", yAxis = "right" }],
      ]])
    }],
    var.stream_mode != "PROVISIONED" ? [] : [{
      title = "Stream throughput exceeded: ${var.stream_name}"
      metrics = [for m in ["ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded"] :
      ["AWS/Kinesis", m, "StreamName", var.stream_name, { stat = "Sum", label = m }]]
    }],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type = "alarm", x = 0, y = 0, width = 24, height = 4
        properties = {
          title  = "Alarms of ${var.name}"
          alarms = [for a in aws_cloudwatch_metric_alarm.this : a.arn]
          sortBy = "stateUpdatedTimestamp"
        }
      }],
      [for i, w in local.metric_widgets : {
        type = "metric", x = (i % 2) * 12, y = 4 + floor(i / 2) * 6, width = 12, height = 6
        properties = merge({
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = var.period_seconds
        }, w)
      }],
    )
  })
}
