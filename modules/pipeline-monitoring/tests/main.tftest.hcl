mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  # The topic policy's ARN is validated; alarm ARNs stay random, so each alarm's is distinct.
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:111122223333:clicks-alarms" }
  }
}

variables {
  name                      = "clicks"
  stream_name               = "clicks"
  stream_retention_hours    = 24
  processor_function_name   = "clicks-processor"
  processor_timeout_seconds = 60
  event_source_mapping_uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  topic_kms_key_arn         = "arn:aws:kms:eu-west-1:111122223333:key/alarms"
}

run "defaults_alarm_on_lag_loss_failure_and_slowness" {
  command = apply

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "iterator_age_lagging", "iterator_age_records_at_risk", "dropped_events", "on_failure_delivered",
      "processor_errors", "processor_throttles", "processor_duration",
    ])
    error_message = "without optional inputs: lag (two levels), loss, on-failure, errors, throttles, duration, and nothing else"
  }
  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this :
      a.alarm_actions == toset([aws_sns_topic.alarms[0].arn]) && a.ok_actions == toset([aws_sns_topic.alarms[0].arn]) &&
    length(a.alarm_description) > 80 && startswith(a.alarm_name, "clicks-") && a.comparison_operator == "GreaterThanThreshold"])
    error_message = "every alarm notifies the topic on ALARM and on OK, and says what to do"
  }
  assert {
    condition = alltrue([for k in ["iterator_age_lagging", "iterator_age_records_at_risk"] :
      aws_cloudwatch_metric_alarm.this[k].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.this[k].metric_name == "IteratorAge" &&
      aws_cloudwatch_metric_alarm.this[k].statistic == "Maximum" && aws_cloudwatch_metric_alarm.this[k].dimensions == tomap({ FunctionName = "clicks-processor" }) &&
    aws_cloudwatch_metric_alarm.this[k].treat_missing_data == "ignore"])
    error_message = "both lag alarms watch the processor's IteratorAge Maximum and keep their state while no batch is delivered"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["iterator_age_lagging"].threshold == 60000 &&
      aws_cloudwatch_metric_alarm.this["iterator_age_lagging"].evaluation_periods == 3 &&
      aws_cloudwatch_metric_alarm.this["iterator_age_lagging"].datapoints_to_alarm == 3
    )
    error_message = "lagging: over one minute for three periods in a row by default"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["iterator_age_records_at_risk"].threshold == 43200000 &&
      aws_cloudwatch_metric_alarm.this["iterator_age_records_at_risk"].evaluation_periods == 1 &&
      output.thresholds.iterator_age_at_risk_ms == 43200000
    )
    error_message = "records at risk: half of a 24 h retention (43,200,000 ms), on the first breaching period"
  }
  assert {
    condition = alltrue([for k, m in { dropped_events = "DroppedEventCount", on_failure_delivered = "OnFailureDestinationDeliveredEventCount" } :
      aws_cloudwatch_metric_alarm.this[k].metric_name == m && aws_cloudwatch_metric_alarm.this[k].namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.this[k].dimensions == tomap({ EventSourceMappingUUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" }) &&
      aws_cloudwatch_metric_alarm.this[k].statistic == "Sum" && aws_cloudwatch_metric_alarm.this[k].threshold == 0 &&
    aws_cloudwatch_metric_alarm.this[k].evaluation_periods == 1 && aws_cloudwatch_metric_alarm.this[k].treat_missing_data == "notBreaching"])
    error_message = "any dropped or on-failure-delivered record of the mapping alarms at once"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["processor_errors"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.this["processor_throttles"].metric_name == "Throttles" &&
      aws_cloudwatch_metric_alarm.this["processor_duration"].metric_name == "Duration" &&
      aws_cloudwatch_metric_alarm.this["processor_duration"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.this["processor_duration"].threshold == 48000
    )
    error_message = "duration alarms at 80% of a 60 s timeout (48,000 ms, Maximum)"
  }
  assert {
    condition     = aws_sns_topic.alarms[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/alarms" && output.topic_arn == aws_sns_topic.alarms[0].arn
    error_message = "the created topic is encrypted with the given key"
  }
  assert {
    condition = (
      jsondecode(aws_sns_topic_policy.alarms[0].policy).Statement[1].Principal.Service == "cloudwatch.amazonaws.com" &&
      jsondecode(aws_sns_topic_policy.alarms[0].policy).Statement[1].Condition.ArnLike["aws:SourceArn"] == "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:clicks-*"
    )
    error_message = "CloudWatch may publish to the topic, for this module's alarms only"
  }
  assert {
    condition = (
      output.topic_kms_key_policy_statements[0].Principal.Service == "cloudwatch.amazonaws.com" &&
      toset(output.topic_kms_key_policy_statements[0].Action) == toset(["kms:Decrypt", "kms:GenerateDataKey*"]) &&
      output.topic_kms_key_policy_statements[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    )
    error_message = "the key statement lets CloudWatch (this account's alarms) use the topic key"
  }
  assert {
    condition     = output.alarm_arns["dropped_events"] == aws_cloudwatch_metric_alarm.this["dropped_events"].arn && output.alarm_names["dropped_events"] == "clicks-dropped-events"
    error_message = "alarms are output by purpose"
  }
}

run "dashboard_shows_the_pipeline_and_every_alarm" {
  command = apply

  assert {
    condition = toset(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[0].properties.alarms) == toset([
      for a in aws_cloudwatch_metric_alarm.this : a.arn
    ]) && jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[0].type == "alarm"
    error_message = "the first widget shows the state of every alarm"
  }
  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title if w.type == "metric"] == [
      "Records in: clicks",
      "Records through the mapping (processed, filtered, failed, dropped)",
      "Iterator age (ms) per function",
      "Errors and throttles",
      "Duration vs timeout (ms): clicks-processor",
      "Concurrent executions",
    ]
    error_message = "records in, records processed, iterator age, errors/throttles, duration vs timeout, concurrency"
  }
  assert {
    condition     = [for h in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[3].properties.annotations.horizontal : h.value] == [60000, 43200000]
    error_message = "the iterator-age graph marks both alarm thresholds"
  }
  assert {
    condition     = output.dashboard_name == "clicks" && alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "eu-west-1" if w.type == "metric"])
    error_message = "metric widgets name the region"
  }
}

run "every_optional_part" {
  command = apply
  variables {
    stream_mode                       = "PROVISIONED"
    stream_retention_hours            = 168
    records_at_risk_retention_percent = 25
    failure_handler_function_name     = "clicks-failure-handler"
    dead_letter_queue_name            = "clicks-poison-records"
    failure_queue_name                = "clicks-failure-handler-failed"
    period_seconds                    = 300
    evaluation_periods                = 2
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 15
    error_message = "7 pipeline alarms + 2 failure handler + 2 per queue + 2 stream alarms"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["iterator_age_records_at_risk"].threshold == 151200000
    error_message = "records at risk: 25% of 168 h"
  }
  assert {
    condition = alltrue([for q, name in { dead_letter = "clicks-poison-records", failure_queue = "clicks-failure-handler-failed" } :
      aws_cloudwatch_metric_alarm.this["${q}_messages_visible"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["${q}_messages_visible"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.this["${q}_oldest_message_age"].metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.this["${q}_oldest_message_age"].threshold == 86400 &&
      aws_cloudwatch_metric_alarm.this["${q}_messages_visible"].dimensions == tomap({ QueueName = name }) &&
    aws_cloudwatch_metric_alarm.this["${q}_messages_visible"].namespace == "AWS/SQS"])
    error_message = "each queue alarms on any visible message and on a message older than a day"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["stream_read_throttled"].metric_name == "ReadProvisionedThroughputExceeded" &&
      aws_cloudwatch_metric_alarm.this["stream_write_throttled"].metric_name == "WriteProvisionedThroughputExceeded" &&
      aws_cloudwatch_metric_alarm.this["stream_read_throttled"].dimensions == tomap({ StreamName = "clicks" }) &&
      aws_cloudwatch_metric_alarm.this["stream_read_throttled"].namespace == "AWS/Kinesis"
    )
    error_message = "a provisioned stream alarms on read and write throttling"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["failure_handler_errors"].dimensions == tomap({ FunctionName = "clicks-failure-handler" })
    error_message = "the failure handler's errors are watched"
  }
  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.period == 300]) && (
      aws_cloudwatch_metric_alarm.this["processor_errors"].evaluation_periods == 2 &&
      aws_cloudwatch_metric_alarm.this["dead_letter_messages_visible"].evaluation_periods == 1
    )
    error_message = "period and sustained evaluation periods follow the inputs; queue depth still alarms at once"
  }
  assert {
    condition     = length([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w if w.type == "metric"]) == 8
    error_message = "queues and stream throughput get their own widgets"
  }
}

run "existing_topic_is_used" {
  command = plan
  variables {
    alarm_topic_arn   = "arn:aws:sns:eu-west-1:111122223333:on-call"
    topic_kms_key_arn = null
  }
  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_policy.alarms) == 0
    error_message = "no topic is created when one is passed"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:on-call"]) && a.ok_actions == toset(["arn:aws:sns:eu-west-1:111122223333:on-call"])])
    error_message = "every alarm notifies the given topic"
  }
}

run "invalid_name_is_rejected" {
  command = plan
  variables {
    name = "clicks.prod"
  }
  expect_failures = [var.name]
}

run "stream_arn_as_name_is_rejected" {
  command = plan
  variables {
    stream_name = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
  }
  expect_failures = [var.stream_name]
}

run "retention_23_hours_is_rejected" {
  command = plan
  variables {
    stream_retention_hours = 23
  }
  expect_failures = [var.stream_retention_hours]
}

run "unknown_stream_mode_is_rejected" {
  command = plan
  variables {
    stream_mode = "SERVERLESS"
  }
  expect_failures = [var.stream_mode]
}

run "function_arn_as_processor_name_is_rejected" {
  command = plan
  variables {
    processor_function_name = "arn:aws:lambda:eu-west-1:111122223333:function:clicks-processor"
  }
  expect_failures = [var.processor_function_name]
}

run "timeout_901_is_rejected" {
  command = plan
  variables {
    processor_timeout_seconds = 901
  }
  expect_failures = [var.processor_timeout_seconds]
}

run "mapping_arn_as_uuid_is_rejected" {
  command = plan
  variables {
    event_source_mapping_uuid = "arn:aws:lambda:eu-west-1:111122223333:event-source-mapping:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }
  expect_failures = [var.event_source_mapping_uuid]
}

run "invalid_failure_handler_name_is_rejected" {
  command = plan
  variables {
    failure_handler_function_name = "clicks handler"
  }
  expect_failures = [var.failure_handler_function_name]
}

run "queue_url_as_dead_letter_name_is_rejected" {
  command = plan
  variables {
    dead_letter_queue_name = "https://sqs.eu-west-1.amazonaws.com/111122223333/clicks-poison-records"
  }
  expect_failures = [var.dead_letter_queue_name]
}

run "queue_arn_as_failure_queue_name_is_rejected" {
  command = plan
  variables {
    failure_queue_name = "arn:aws:sqs:eu-west-1:111122223333:clicks-failed"
  }
  expect_failures = [var.failure_queue_name]
}

run "lagging_threshold_at_the_records_at_risk_threshold_is_rejected" {
  command = plan
  variables {
    iterator_age_lagging_threshold_ms = 43200000
  }
  expect_failures = [var.iterator_age_lagging_threshold_ms]
}

run "lagging_threshold_below_a_second_is_rejected" {
  command = plan
  variables {
    iterator_age_lagging_threshold_ms = 999
  }
  expect_failures = [var.iterator_age_lagging_threshold_ms]
}

run "records_at_risk_100_percent_is_rejected" {
  command = plan
  variables {
    records_at_risk_retention_percent = 100
  }
  expect_failures = [var.records_at_risk_retention_percent]
}

run "duration_100_percent_is_rejected" {
  command = plan
  variables {
    duration_timeout_percent = 100
  }
  expect_failures = [var.duration_timeout_percent]
}

run "negative_errors_threshold_is_rejected" {
  command = plan
  variables {
    errors_threshold = -1
  }
  expect_failures = [var.errors_threshold]
}

run "oldest_message_age_beyond_sqs_retention_is_rejected" {
  command = plan
  variables {
    queue_oldest_message_age_threshold_seconds = 1209601
  }
  expect_failures = [var.queue_oldest_message_age_threshold_seconds]
}

run "period_45_is_rejected" {
  command = plan
  variables {
    period_seconds = 45
  }
  expect_failures = [var.period_seconds]
}

run "evaluation_beyond_a_day_is_rejected" {
  command = plan
  variables {
    period_seconds     = 3600
    evaluation_periods = 25
  }
  expect_failures = [var.evaluation_periods]
}

run "fifo_topic_is_rejected" {
  command = plan
  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:111122223333:on-call.fifo"
  }
  expect_failures = [var.alarm_topic_arn]
}

run "created_topic_without_key_is_rejected" {
  command = plan
  variables {
    topic_kms_key_arn = null
  }
  expect_failures = [var.topic_kms_key_arn]
}

run "topic_key_alias_is_rejected" {
  command = plan
  variables {
    topic_kms_key_arn = "alias/aws/sns"
  }
  expect_failures = [var.topic_kms_key_arn]
}
