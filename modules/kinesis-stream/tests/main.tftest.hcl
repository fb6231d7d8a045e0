mock_provider "aws" {}

variables {
  name = "clicks"
}

run "defaults_are_on_demand_kms_encrypted_one_day" {
  command = plan

  assert {
    condition     = aws_kinesis_stream.this.stream_mode_details[0].stream_mode == "ON_DEMAND"
    error_message = "default capacity mode must be ON_DEMAND"
  }
  assert {
    condition     = aws_kinesis_stream.this.shard_count == null
    error_message = "an on-demand stream must not set shard_count"
  }
  assert {
    condition     = aws_kinesis_stream.this.encryption_type == "KMS" && aws_kinesis_stream.this.kms_key_id == "alias/aws/kinesis"
    error_message = "encryption must default to KMS with the AWS-managed key"
  }
  assert {
    condition     = aws_kinesis_stream.this.retention_period == 24
    error_message = "default retention must be 24 hours"
  }
  assert {
    condition     = length(aws_kinesis_stream_consumer.this) == 0
    error_message = "no fan-out consumer unless asked for"
  }
}

run "provisioned_with_own_key_and_consumer" {
  command = plan

  variables {
    stream_mode                    = "PROVISIONED"
    shard_count                    = 4
    retention_period               = 8760
    kms_key_id                     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    shard_level_metrics            = ["IncomingRecords", "IteratorAgeMilliseconds"]
    enhanced_fan_out_consumer_name = "processor"
  }

  assert {
    condition     = aws_kinesis_stream.this.shard_count == 4 && aws_kinesis_stream.this.stream_mode_details[0].stream_mode == "PROVISIONED"
    error_message = "provisioned mode must carry the shard count"
  }
  assert {
    condition     = aws_kinesis_stream.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the caller's key must be used"
  }
  assert {
    condition     = aws_kinesis_stream_consumer.this[0].name == "processor"
    error_message = "the fan-out consumer must be created with the given name"
  }
}

run "retention_below_24_hours_is_rejected" {
  command = plan
  variables {
    retention_period = 23
  }
  expect_failures = [var.retention_period]
}

run "retention_above_8760_hours_is_rejected" {
  command = plan
  variables {
    retention_period = 8761
  }
  expect_failures = [var.retention_period]
}

run "provisioned_without_shard_count_is_rejected" {
  command = plan
  variables {
    stream_mode = "PROVISIONED"
  }
  expect_failures = [var.shard_count]
}

run "shard_count_with_on_demand_is_rejected" {
  command = plan
  variables {
    shard_count = 2
  }
  expect_failures = [var.shard_count]
}

run "unknown_stream_mode_is_rejected" {
  command = plan
  variables {
    stream_mode = "SERVERLESS"
  }
  expect_failures = [var.stream_mode]
}

run "unknown_shard_metric_is_rejected" {
  command = plan
  variables {
    shard_level_metrics = ["IncomingRecords", "Latency"]
  }
  expect_failures = [var.shard_level_metrics]
}

run "empty_kms_key_is_rejected" {
  command = plan
  variables {
    kms_key_id = ""
  }
  expect_failures = [var.kms_key_id]
}

run "invalid_enhanced_fan_out_consumer_name_is_rejected" {
  command = plan
  variables {
    enhanced_fan_out_consumer_name = "has space"
  }
  expect_failures = [var.enhanced_fan_out_consumer_name]
}

run "invalid_name_is_rejected" {
  command = plan
  variables {
    name = "clicks/raw"
  }
  expect_failures = [var.name]
}
