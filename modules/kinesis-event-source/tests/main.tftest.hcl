mock_provider "aws" {}

variables {
  function_name              = "processor"
  stream_arn                 = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
  on_failure_destination_arn = "arn:aws:sns:eu-west-1:111122223333:clicks-failed"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.this.bisect_batch_on_function_error == true
    error_message = "bisect on function error must be on by default"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "partial batch responses must be on by default"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.destination_config[0].on_failure[0].destination_arn == "arn:aws:sns:eu-west-1:111122223333:clicks-failed"
    error_message = "failed batches must go to the given destination"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.maximum_retry_attempts == 10 && aws_lambda_event_source_mapping.this.starting_position == "TRIM_HORIZON"
    error_message = "retries must be finite and reading must start at the oldest record by default"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    error_message = "without a consumer the mapping reads the stream"
  }
  assert {
    condition     = output.iam_statements[0].resources == ["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"] && contains(output.iam_statements[0].actions, "kinesis:GetRecords")
    error_message = "the read statement must be scoped to the stream ARN"
  }
  assert {
    condition     = output.iam_statements[1].actions == ["sns:Publish"] && output.iam_statements[1].resources == ["arn:aws:sns:eu-west-1:111122223333:clicks-failed"]
    error_message = "an SNS destination needs sns:Publish on that topic only"
  }
  assert {
    condition     = length(output.iam_statements) == 2
    error_message = "no statements beyond reading the stream and writing the destination"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.metrics_config[0].metrics == toset(["EventCount"])
    error_message = "the mapping's event counts (dropped, on-failure delivered) must be published by default"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.kms_key_arn == null && length(output.filter_criteria_key_policy_statements) == 0 && length(output.deployer_iam_statements) == 0
    error_message = "without a filter-criteria key nothing is encrypted with one and no key statements are asked for"
  }
}

run "metrics_can_be_turned_off_and_tags_are_applied" {
  command = plan
  variables {
    metrics = []
    tags    = { team = "clicks" }
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.metrics_config) == 0
    error_message = "metrics = [] must plan no metrics_config"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.tags == tomap({ team = "clicks" })
    error_message = "tags must be applied to the mapping"
  }
}

run "filter_criteria_key_and_its_statements" {
  command = plan
  variables {
    filter_patterns             = ["{\"data\": {\"type\": [\"click\"]}}"]
    filter_criteria_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/filters"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/filters"
    error_message = "the filter criteria must be encrypted with the given key"
  }
  assert {
    condition = (
      output.filter_criteria_key_policy_statements[0].Principal.Service == "lambda.eu-west-1.amazonaws.com" &&
      output.filter_criteria_key_policy_statements[0].Action == "kms:Decrypt" &&
      output.filter_criteria_key_policy_statements[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:lambda:eu-west-1:111122223333:event-source-mapping:*" &&
      output.filter_criteria_key_policy_statements[0].Condition.StringEquals["kms:EncryptionContext:aws:lambda:EventSourceArn"] == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    )
    error_message = "the key policy must let the regional Lambda principal decrypt, only for mappings of this account reading this stream"
  }
  assert {
    condition = (
      output.deployer_iam_statements[0].resources == ["arn:aws:kms:eu-west-1:111122223333:key/filters"] &&
      toset(output.deployer_iam_statements[0].actions) == toset(["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"]) &&
      output.deployer_iam_statements[0].conditions[0].values == ["lambda.eu-west-1.amazonaws.com"]
    )
    error_message = "the deployer needs DescribeKey, GenerateDataKey and Decrypt on that key, through Lambda only"
  }
  assert {
    condition     = length(output.iam_statements) == 2
    error_message = "the function's role needs nothing for the filter-criteria key"
  }
}

run "consumer_keys_and_tuning" {
  command = plan

  variables {
    consumer_arn                       = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/processor:1700000000"
    stream_kms_key_arn                 = "arn:aws:kms:eu-west-1:111122223333:key/stream"
    on_failure_destination_arn         = "arn:aws:sqs:eu-west-1:111122223333:clicks-failed"
    destination_kms_key_arn            = "arn:aws:kms:eu-west-1:111122223333:key/queue"
    batch_size                         = 10000
    maximum_batching_window_in_seconds = 300
    parallelization_factor             = 10
    tumbling_window_in_seconds         = 900
    filter_patterns                    = ["{\"data\": {\"type\": [\"click\"]}}"]
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/processor:1700000000"
    error_message = "with a consumer the mapping reads through it"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.parallelization_factor == 10 && aws_lambda_event_source_mapping.this.batch_size == 10000 && aws_lambda_event_source_mapping.this.tumbling_window_in_seconds == 900
    error_message = "tuning values must be passed through"
  }
  assert {
    condition     = one([for s in output.iam_statements : s.resources if s.sid == "ReadThroughFanOutConsumer"]) == ["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/processor:1700000000"]
    error_message = "fan-out reads must be granted on the consumer"
  }
  assert {
    condition     = one([for s in output.iam_statements : s.resources if s.sid == "DecryptStream"]) == ["arn:aws:kms:eu-west-1:111122223333:key/stream"] && one([for s in output.iam_statements : s.actions if s.sid == "SendFailedBatchesToQueue"]) == ["sqs:SendMessage"]
    error_message = "stream key decrypt and queue send must be granted on exactly those ARNs"
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.filter_criteria[0].filter) == 1
    error_message = "filter patterns must be applied"
  }
}

run "s3_destination_grants_put_on_objects" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:s3:::clicks-failures"
  }
  assert {
    condition     = one([for s in output.iam_statements : s.resources if s.sid == "WriteFailedBatchesToBucket"]) == ["arn:aws:s3:::clicks-failures/*"]
    error_message = "an S3 destination needs s3:PutObject on the bucket's objects"
  }
  assert {
    condition = [for s in output.iam_statements : s if startswith(s.actions[0], "s3:")] == [
      { sid = "WriteFailedBatchesToBucket", actions = ["s3:PutObject"], resources = ["arn:aws:s3:::clicks-failures/*"], conditions = [] },
      { sid = "ListFailureBucket", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::clicks-failures"], conditions = [] },
    ]
    error_message = "an S3 destination needs exactly s3:PutObject on its objects and s3:ListBucket on the bucket"
  }
}

run "fifo_queue_destination_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:failed-batches.fifo"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "fifo_topic_destination_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:sns:eu-west-1:111122223333:failed-batches.fifo"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "explicit_opt_out_of_destination" {
  command = plan
  variables {
    on_failure_destination_arn      = null
    allow_no_on_failure_destination = true
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.destination_config) == 0
    error_message = "an explicit opt-out plans no destination"
  }
}

run "missing_destination_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = null
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "lambda_destination_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:lambda:eu-west-1:111122223333:function:handler"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "batch_size_0_is_rejected" {
  command = plan
  variables {
    batch_size = 0
  }
  expect_failures = [var.batch_size]
}

run "batch_size_10001_is_rejected" {
  command = plan
  variables {
    batch_size = 10001
  }
  expect_failures = [var.batch_size]
}

run "parallelization_0_is_rejected" {
  command = plan
  variables {
    parallelization_factor = 0
  }
  expect_failures = [var.parallelization_factor]
}

run "parallelization_11_is_rejected" {
  command = plan
  variables {
    parallelization_factor = 11
  }
  expect_failures = [var.parallelization_factor]
}

run "batching_window_301_is_rejected" {
  command = plan
  variables {
    maximum_batching_window_in_seconds = 301
  }
  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "retry_attempts_minus_2_is_rejected" {
  command = plan
  variables {
    maximum_retry_attempts = -2
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "retry_attempts_10001_is_rejected" {
  command = plan
  variables {
    maximum_retry_attempts = 10001
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "record_age_59_is_rejected" {
  command = plan
  variables {
    maximum_record_age_in_seconds = 59
  }
  expect_failures = [var.maximum_record_age_in_seconds]
}

run "record_age_604801_is_rejected" {
  command = plan
  variables {
    maximum_record_age_in_seconds = 604801
  }
  expect_failures = [var.maximum_record_age_in_seconds]
}

run "tumbling_window_901_is_rejected" {
  command = plan
  variables {
    tumbling_window_in_seconds = 901
  }
  expect_failures = [var.tumbling_window_in_seconds]
}

run "at_timestamp_without_timestamp_is_rejected" {
  command = plan
  variables {
    starting_position = "AT_TIMESTAMP"
  }
  expect_failures = [var.starting_position_timestamp]
}

run "unknown_starting_position_is_rejected" {
  command = plan
  variables {
    starting_position = "EARLIEST"
  }
  expect_failures = [var.starting_position]
}

run "ten_filters_are_accepted" {
  command = plan
  variables {
    filter_patterns = [for i in range(10) : jsonencode({ data = { type = ["t${i}"] } })]
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.filter_criteria[0].filter) == 10
    error_message = "AWS raises the filter quota up to 10 on request, so 10 patterns must plan"
  }
}

run "eleven_filters_are_rejected" {
  command = plan
  variables {
    filter_patterns = [for i in range(11) : jsonencode({ data = { type = ["t${i}"] } })]
  }
  expect_failures = [var.filter_patterns]
}

run "invalid_filter_pattern_is_rejected" {
  command = plan
  variables {
    filter_patterns = ["{not json"]
  }
  expect_failures = [var.filter_patterns]
}

run "non_stream_arn_is_rejected" {
  command = plan
  variables {
    stream_arn = "arn:aws:sqs:eu-west-1:111122223333:clicks"
  }
  expect_failures = [var.stream_arn]
}

run "invalid_consumer_arn_is_rejected" {
  command = plan
  variables {
    consumer_arn = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
  }
  expect_failures = [var.consumer_arn]
}

run "invalid_destination_kms_key_arn_is_rejected" {
  command = plan
  variables {
    destination_kms_key_arn = "alias/queue"
  }
  expect_failures = [var.destination_kms_key_arn]
}

run "invalid_function_name_is_rejected" {
  command = plan
  variables {
    function_name = ""
  }
  expect_failures = [var.function_name]
}

run "invalid_stream_kms_key_arn_is_rejected" {
  command = plan
  variables {
    stream_kms_key_arn = "alias/aws/kinesis"
  }
  expect_failures = [var.stream_kms_key_arn]
}

run "kafka_metric_group_is_rejected" {
  command = plan
  variables {
    metrics = ["EventCount", "KafkaMetrics"]
  }
  expect_failures = [var.metrics]
}

run "filter_criteria_key_alias_is_rejected" {
  command = plan
  variables {
    filter_criteria_kms_key_arn = "alias/filters"
  }
  expect_failures = [var.filter_criteria_kms_key_arn]
}
