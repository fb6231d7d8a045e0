# The composite pipeline planned against a mocked AWS provider. The ARNs and URLs the wiring
# depends on are pinned with overrides so each connection can be asserted by value.
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
}

override_resource {
  target          = aws_kms_key.this
  override_during = plan
  values          = { arn = "arn:aws:kms:eu-west-1:111122223333:key/created", key_id = "created" }
}

override_resource {
  target          = module.stream[0].aws_kinesis_stream.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks" }
}

override_resource {
  target          = aws_kinesis_stream_consumer.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/sessions:1700000000" }
}

override_resource {
  target          = aws_sqs_queue.dead_letter
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:clicks-poison-records"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/clicks-poison-records"
  }
}

override_resource {
  target          = aws_sqs_queue.batch_failures
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:clicks-batch-failures" }
}

override_resource {
  target          = aws_sns_topic.batch_failures
  override_during = plan
  values          = { arn = "arn:aws:sns:eu-west-1:111122223333:clicks-batch-failures" }
}

override_resource {
  target          = aws_sqs_queue.handler_outcomes
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:clicks-failure-handler-outcome" }
}

override_resource {
  target          = aws_s3_bucket.archive
  override_during = plan
  values          = { id = "clicks-archive-1", arn = "arn:aws:s3:::clicks-archive-1" }
}

variables {
  name          = "clicks"
  artifact_root = "."
  artifact = {
    kind             = "function"
    path             = "tests/fixtures/processor.zip"
    source_code_hash = "H6ZAAdYCQj23quJ8nO/Yw7IIJ3nSCwRmksvVFnAyPFM="
    runtime          = "python3.12"
    architecture     = "x86_64"
    handler          = "app.handler"
  }
}

run "defaults_make_a_complete_safe_pipeline" {
  command = plan

  assert {
    condition     = local.mapping_target == module.function.function_name && output.function_alias_arn == null
    error_message = "without an alias the mapping invokes the unqualified function ($LATEST)"
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_alias.this[0].name == "alias/clicks" && output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/created"
    error_message = "without a key the module creates one, rotated, named alias/<name>"
  }
  assert {
    condition = alltrue([
      output.stream_name == "clicks",
      output.stream_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks",
      module.stream[0].kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/created",
      module.stream[0].stream_mode == "ON_DEMAND",
    ])
    error_message = "the module creates the stream, named after the pipeline and encrypted with its key"
  }
  assert {
    condition     = output.consumer_arn == null && output.event_source_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    error_message = "without a consumer name the mapping reads the stream directly"
  }
  assert {
    condition = alltrue([
      output.on_failure_destination_arn == "arn:aws:sqs:eu-west-1:111122223333:clicks-batch-failures",
      length(aws_sns_topic.batch_failures) == 0,
      aws_sqs_queue.batch_failures[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/created",
      aws_sqs_queue.batch_failures[0].message_retention_seconds == 1209600,
    ])
    error_message = "without a failure handler exhausted batches go to an encrypted queue kept 14 days, not to a topic nobody reads"
  }
  assert {
    condition = alltrue([
      aws_sqs_queue.dead_letter.name == "clicks-poison-records",
      aws_sqs_queue.dead_letter.kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/created",
      local.dead_letter_environment == {
        DLQ_URL            = "https://sqs.eu-west-1.amazonaws.com/111122223333/clicks-poison-records"
        DLQ_PAYLOAD_BUCKET = "clicks-archive-1"
        DLQ_PAYLOAD_PREFIX = "dead-letter/"
      },
    ])
    error_message = "the function gets the encrypted dead-letter queue and the archive for large poison records under the processor's variable names"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket.archive[0].force_destroy == false,
      aws_s3_bucket_public_access_block.archive[0].block_public_policy,
      one(aws_s3_bucket_ownership_controls.archive[0].rule).object_ownership == "BucketOwnerEnforced",
      one(aws_s3_bucket_server_side_encryption_configuration.archive[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms",
      one(aws_s3_bucket_server_side_encryption_configuration.archive[0].rule).apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/created",
      jsondecode(aws_s3_bucket_policy.archive[0].policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false",
    ])
    error_message = "the archive bucket must be private, encrypted with the pipeline key, TLS only, and kept on destroy"
  }
  assert {
    condition = alltrue([
      output.function_name == "clicks-stream-processor",
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "ReadStream"] == [["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"]],
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "SendPoisonRecords"] == [["arn:aws:sqs:eu-west-1:111122223333:clicks-poison-records"]],
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "SendFailedBatchesToQueue"] == [["arn:aws:sqs:eu-west-1:111122223333:clicks-batch-failures"]],
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "KeepLargePoisonRecords"] == [["arn:aws:s3:::clicks-archive-1/dead-letter/*"]],
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "DecryptStream"] == [["arn:aws:kms:eu-west-1:111122223333:key/created"]],
    ])
    error_message = "the function's role reaches exactly the stream, the dead-letter queue, the failure queue, the dead-letter prefix and the key"
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.function_policy_json).Statement : !contains(s.Resource, "*")])
    error_message = "outside a VPC no statement of the function's role has a wildcard resource"
  }
  assert {
    condition = alltrue([
      output.failure_handler_function_name == null,
      output.failure_handler_outcome_queue_urls == {},
      length(aws_lambda_permission.failure_topic) == 0,
    ])
    error_message = "no failure handler unless one is given"
  }
  assert {
    condition = alltrue([
      output.alarm_names["dropped_events"] == "clicks-dropped-events",
      output.alarm_names["dead_letter_messages_visible"] == "clicks-dead-letter-messages-visible",
      output.alarm_names["failure_queue_messages_visible"] == "clicks-failure-queue-messages-visible",
      !contains(keys(output.alarm_names), "failure_handler_errors"),
      length(output.alarm_names) == 11,
    ])
    error_message = "lag, loss, errors, duration, the dead-letter queue and the failure queue are alarmed"
  }
  assert {
    condition = alltrue([
      [for s in jsondecode(aws_kms_key.this[0].policy).Statement : s.Sid] == ["AccountManagesKeyThroughIam", "CloudWatchLogsOfThisPipeline", "CloudWatchAlarmsUseTopicKey"],
      [for s in jsondecode(aws_kms_key.this[0].policy).Statement : s.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] if s.Sid == "CloudWatchLogsOfThisPipeline"] == [["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/clicks-stream-processor"]],
    ])
    error_message = "the created key admits CloudWatch Logs for this pipeline's log groups only, and CloudWatch for its alarm topic"
  }
}

run "failure_handler_subscribes_to_the_failure_topic_and_archives" {
  command = plan

  variables {
    failure_handler = {
      artifact = {
        path             = "tests/fixtures/failure_handler.zip"
        source_code_hash = "HOB7KmpiY9TU7AyMadGAw89GiEvMYhr1+SepMUJdh1A="
        runtime          = "python3.12"
        architecture     = "x86_64"
        handler          = "app.handler"
      }
      environment_variables = { LOG_LEVEL = "INFO" }
    }
  }

  assert {
    condition = alltrue([
      output.on_failure_destination_arn == "arn:aws:sns:eu-west-1:111122223333:clicks-batch-failures",
      length(aws_sqs_queue.batch_failures) == 0,
      aws_sns_topic.batch_failures[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/created",
    ])
    error_message = "with a failure handler exhausted batches go to an encrypted topic"
  }
  assert {
    condition = alltrue([
      aws_sns_topic_subscription.failure_handler[0].protocol == "lambda",
      aws_sns_topic_subscription.failure_handler[0].topic_arn == "arn:aws:sns:eu-west-1:111122223333:clicks-batch-failures",
      aws_lambda_permission.failure_topic[0].source_arn == "arn:aws:sns:eu-west-1:111122223333:clicks-batch-failures",
      aws_lambda_permission.failure_topic[0].function_name == "clicks-failure-handler",
    ])
    error_message = "the failure handler must be invoked asynchronously by the failure topic, and only by it"
  }
  assert {
    condition = alltrue([
      module.failure_handler_destinations[0].on_failure_destination_arn == "arn:aws:sqs:eu-west-1:111122223333:clicks-failure-handler-outcome",
      module.failure_handler_destinations[0].on_success_destination_arn == "arn:aws:sqs:eu-west-1:111122223333:clicks-failure-handler-outcome",
      contains([for s in module.failure_handler_destinations[0].iam_statements : s.sid], "DeliverOnFailure"),
      sort([for q in aws_sqs_queue.handler_outcomes : q.name]) == tolist(["clicks-failure-handler-failed", "clicks-failure-handler-succeeded"]),
    ])
    error_message = "the failure handler's own outcomes go to its two Destinations queues"
  }
  assert {
    condition = alltrue([
      [for s in jsondecode(module.failure_handler[0].policy_json).Statement : s.Resource if s.Sid == "RereadFailedRecords"] == [["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"]],
      [for s in jsondecode(module.failure_handler[0].policy_json).Statement : s.Resource if s.Sid == "ArchiveFailedRecords"] == [["arn:aws:s3:::clicks-archive-1/failed-batches/*"]],
      [for s in jsondecode(module.failure_handler[0].policy_json).Statement : s.Resource if s.Sid == "UsePipelineKey"] == [["arn:aws:kms:eu-west-1:111122223333:key/created"]],
      length([for s in jsondecode(module.failure_handler[0].policy_json).Statement : s if s.Sid == "DecryptStream"]) == 0,
    ])
    error_message = "the failure handler may re-read the stream and write under archive_prefix only"
  }
  assert {
    condition = alltrue([
      output.failure_handler_function_name == "clicks-failure-handler",
      output.alarm_names["failure_handler_errors"] == "clicks-failure-handler-errors",
      length(output.alarm_names) == 13,
      [for s in jsondecode(aws_kms_key.this[0].policy).Statement : s.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] if s.Sid == "CloudWatchLogsOfThisPipeline"] == [[
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/clicks-stream-processor",
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/clicks-failure-handler",
      ]],
    ])
    error_message = "the failure handler is alarmed and its log group may use the key"
  }
}

run "existing_stream_read_through_an_own_consumer" {
  command = plan

  variables {
    create_stream                  = false
    stream_arn                     = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    stream_kms_key_arn             = "arn:aws:kms:eu-west-1:111122223333:key/stream"
    stream_mode                    = "PROVISIONED"
    enhanced_fan_out_consumer_name = "sessions"
    failure_handler = {
      artifact = {
        path             = "tests/fixtures/failure_handler.zip"
        source_code_hash = "HOB7KmpiY9TU7AyMadGAw89GiEvMYhr1+SepMUJdh1A="
        runtime          = "python3.12"
        architecture     = "x86_64"
        handler          = "app.handler"
      }
    }
  }

  assert {
    condition     = length(module.stream) == 0 && output.stream_name == "clicks" && output.stream_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    error_message = "an existing stream is read, not created"
  }
  assert {
    condition = alltrue([
      aws_kinesis_stream_consumer.this[0].name == "sessions",
      aws_kinesis_stream_consumer.this[0].stream_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks",
      output.event_source_arn == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/sessions:1700000000",
    ])
    error_message = "the pipeline registers its own consumer on the existing stream and maps it"
  }
  assert {
    condition = alltrue([
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "ReadThroughFanOutConsumer"] == [["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/sessions:1700000000"]],
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "DecryptStream"] == [["arn:aws:kms:eu-west-1:111122223333:key/stream"]],
      [for s in jsondecode(module.failure_handler[0].policy_json).Statement : s.Resource if s.Sid == "DecryptStream"] == [["arn:aws:kms:eu-west-1:111122223333:key/stream"]],
    ])
    error_message = "both functions may decrypt the existing stream's own key; the processor reads through its consumer"
  }
  assert {
    condition     = output.alarm_names["stream_read_throttled"] == "clicks-stream-read-throttled"
    error_message = "a provisioned stream's throughput is alarmed"
  }
}

run "passed_key_and_alarm_topic_are_used" {
  command = plan

  variables {
    create_kms_key  = false
    kms_key_arn     = "arn:aws:kms:eu-west-1:111122223333:key/team"
    alarm_topic_arn = "arn:aws:sns:eu-west-1:111122223333:on-call"
  }

  assert {
    condition = alltrue([
      length(aws_kms_key.this) == 0,
      output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/team",
      module.stream[0].kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/team",
      aws_sqs_queue.dead_letter.kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/team",
    ])
    error_message = "a passed key replaces the created one everywhere"
  }
  assert {
    condition     = output.alarm_topic_arn == "arn:aws:sns:eu-west-1:111122223333:on-call" && [for s in output.kms_key_policy_statements : s.Sid] == ["CloudWatchLogsOfThisPipeline"]
    error_message = "with an existing alarm topic the key needs no CloudWatch statement, only the logs one"
  }
}

run "dead_letter_variables_can_be_renamed_and_payload_storage_left_out" {
  command = plan

  variables {
    dead_letter_queue_url_variable = "POISON_QUEUE"
    dead_letter_payload_variables  = null
    environment_variables          = { LOG_LEVEL = "DEBUG" }
  }

  assert {
    condition     = local.dead_letter_environment == { POISON_QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/clicks-poison-records" }
    error_message = "the queue URL goes into the named variable, and no archive variables are set"
  }
  assert {
    condition = alltrue([
      length(aws_s3_bucket.archive) == 0,
      output.archive_bucket == null,
      length([for s in jsondecode(output.function_policy_json).Statement : s if s.Sid == "KeepLargePoisonRecords"]) == 0,
    ])
    error_message = "without payload storage or a failure handler there is no archive bucket and no S3 grant"
  }
}

run "vpc_and_extra_statements_reach_the_function" {
  command = plan

  variables {
    vpc_config = { subnet_ids = ["subnet-0a"], security_group_ids = ["sg-0f1"] }
    policy_statements = [{
      sid       = "ReadConfig"
      actions   = ["ssm:GetParameter"]
      resources = ["arn:aws:ssm:eu-west-1:111122223333:parameter/clicks/config"]
    }]
  }

  assert {
    condition = alltrue([
      contains([for s in jsondecode(output.function_policy_json).Statement : s.Sid], "CreateEniInTheGivenSubnets"),
      [for s in jsondecode(output.function_policy_json).Statement : s.Resource if s.Sid == "ReadConfig"] == [["arn:aws:ssm:eu-west-1:111122223333:parameter/clicks/config"]],
    ])
    error_message = "vpc_config and policy_statements must reach the function's role"
  }
}

# --- validations ---------------------------------------------------------------

run "name_with_capitals_is_rejected" {
  command = plan
  variables {
    name = "Clicks"
  }
  expect_failures = [var.name]
}

run "kms_key_arn_with_create_kms_key_is_rejected" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/team"
  }
  expect_failures = [var.kms_key_arn]
}

run "no_key_at_all_is_rejected" {
  command = plan
  variables {
    create_kms_key = false
  }
  expect_failures = [var.kms_key_arn]
}

run "existing_stream_without_its_arn_is_rejected" {
  command = plan
  variables {
    create_stream = false
  }
  expect_failures = [var.stream_arn]
}

run "stream_key_for_a_created_stream_is_rejected" {
  command = plan
  variables {
    stream_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/stream"
  }
  expect_failures = [var.stream_kms_key_arn]
}

run "unknown_stream_mode_is_rejected" {
  command = plan
  variables {
    stream_mode = "SERVERLESS"
  }
  expect_failures = [var.stream_mode]
}

run "shard_count_for_an_on_demand_stream_is_rejected" {
  command = plan
  variables {
    stream_shard_count = 2
  }
  expect_failures = [var.stream_shard_count]
}

run "retention_below_a_day_is_rejected" {
  command = plan
  variables {
    stream_retention_hours = 12
  }
  expect_failures = [var.stream_retention_hours]
}

run "consumer_name_with_a_slash_is_rejected" {
  command = plan
  variables {
    enhanced_fan_out_consumer_name = "team/sessions"
  }
  expect_failures = [var.enhanced_fan_out_consumer_name]
}

run "function_name_with_a_dot_is_rejected" {
  command = plan
  variables {
    function_name = "clicks.processor"
  }
  expect_failures = [var.function_name]
}

run "description_over_256_characters_is_rejected" {
  command = plan
  variables {
    description = join("", [for i in range(257) : "x"])
  }
  expect_failures = [var.description]
}

run "layer_entry_as_artifact_is_rejected" {
  command = plan
  variables {
    artifact = {
      kind             = "layer"
      path             = "tests/fixtures/processor.zip"
      source_code_hash = "H6ZAAdYCQj23quJ8nO/Yw7IIJ3nSCwRmksvVFnAyPFM="
      runtime          = "python3.12"
      architecture     = "x86_64"
      handler          = "app.handler"
    }
  }
  expect_failures = [var.artifact]
}

run "blank_artifact_root_is_rejected" {
  command = plan
  variables {
    artifact_root = " "
  }
  expect_failures = [var.artifact_root]
}

run "artifact_bucket_with_capitals_is_rejected" {
  command = plan
  variables {
    artifact_bucket = "Team_Artifacts"
  }
  expect_failures = [var.artifact_bucket]
}

run "layer_name_instead_of_arn_is_rejected" {
  command = plan
  variables {
    layers = ["common"]
  }
  expect_failures = [var.layers]
}

run "memory_below_128_is_rejected" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "timeout_over_900_is_rejected" {
  command = plan
  variables {
    timeout = 901
  }
  expect_failures = [var.timeout]
}

run "reserved_concurrency_below_minus_one_is_rejected" {
  command = plan
  variables {
    reserved_concurrent_executions = -2
  }
  expect_failures = [var.reserved_concurrent_executions]
}

run "one_character_environment_key_is_rejected" {
  command = plan
  variables {
    environment_variables = { X = "1" }
  }
  expect_failures = [var.environment_variables]
}

run "environment_setting_the_dead_letter_queue_is_rejected" {
  command = plan
  variables {
    environment_variables = { DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/other" }
  }
  expect_failures = [var.environment_variables]
}

run "vpc_without_security_groups_is_rejected" {
  command = plan
  variables {
    vpc_config = { subnet_ids = ["subnet-0a"], security_group_ids = [] }
  }
  expect_failures = [var.vpc_config]
}

run "wildcard_policy_resource_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Everything", actions = ["s3:GetObject"], resources = ["*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "log_retention_of_two_days_is_rejected" {
  command = plan
  variables {
    log_retention_in_days = 2
  }
  expect_failures = [var.log_retention_in_days]
}

run "dead_letter_variable_with_a_dash_is_rejected" {
  command = plan
  variables {
    dead_letter_queue_url_variable = "DLQ-URL"
  }
  expect_failures = [var.dead_letter_queue_url_variable]
}

run "payload_variables_reusing_the_queue_variable_are_rejected" {
  command = plan
  variables {
    dead_letter_payload_variables = { bucket = "DLQ_URL" }
  }
  expect_failures = [var.dead_letter_payload_variables]
}

run "dead_letter_prefix_inside_the_archive_prefix_is_rejected" {
  command = plan
  variables {
    dead_letter_prefix = "failed-batches/poison/"
  }
  expect_failures = [var.dead_letter_prefix]
}

run "batch_size_10001_is_rejected" {
  command = plan
  variables {
    batch_size = 10001
  }
  expect_failures = [var.batch_size]
}

run "batching_window_over_300_is_rejected" {
  command = plan
  variables {
    maximum_batching_window_in_seconds = 301
  }
  expect_failures = [var.maximum_batching_window_in_seconds]
}

run "parallelization_11_is_rejected" {
  command = plan
  variables {
    parallelization_factor = 11
  }
  expect_failures = [var.parallelization_factor]
}

run "at_timestamp_start_is_rejected" {
  command = plan
  variables {
    starting_position = "AT_TIMESTAMP"
  }
  expect_failures = [var.starting_position]
}

run "retries_beyond_10000_are_rejected" {
  command = plan
  variables {
    maximum_retry_attempts = 10001
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "endless_retries_without_a_record_age_are_rejected" {
  command = plan
  variables {
    maximum_retry_attempts        = -1
    maximum_record_age_in_seconds = -1
  }
  expect_failures = [var.maximum_record_age_in_seconds]
}

run "queue_destination_with_a_failure_handler_is_rejected" {
  command = plan
  variables {
    on_failure_destination = "sqs"
    failure_handler = {
      artifact = {
        path             = "tests/fixtures/failure_handler.zip"
        source_code_hash = "HOB7KmpiY9TU7AyMadGAw89GiEvMYhr1+SepMUJdh1A="
        runtime          = "python3.12"
        architecture     = "x86_64"
        handler          = "app.handler"
      }
    }
  }
  expect_failures = [var.on_failure_destination]
}

run "failure_handler_setting_its_archive_variables_is_rejected" {
  command = plan
  variables {
    failure_handler = {
      artifact = {
        path             = "tests/fixtures/failure_handler.zip"
        source_code_hash = "HOB7KmpiY9TU7AyMadGAw89GiEvMYhr1+SepMUJdh1A="
        runtime          = "python3.12"
        architecture     = "x86_64"
        handler          = "app.handler"
      }
      environment_variables = { ARCHIVE_BUCKET = "elsewhere" }
    }
  }
  expect_failures = [var.failure_handler]
}

run "archive_prefix_without_a_slash_is_rejected" {
  command = plan
  variables {
    archive_prefix = "failed-batches"
  }
  expect_failures = [var.archive_prefix]
}

run "alarm_topic_url_is_rejected" {
  command = plan
  variables {
    alarm_topic_arn = "https://sns.eu-west-1.amazonaws.com/on-call"
  }
  expect_failures = [var.alarm_topic_arn]
}

run "lagging_threshold_beyond_half_the_retention_is_rejected" {
  command = plan
  variables {
    iterator_age_lagging_threshold_ms = 43200000
  }
  expect_failures = [var.iterator_age_lagging_threshold_ms]
}

run "alarm_period_45_is_rejected" {
  command = plan
  variables {
    alarm_period_seconds = 45
  }
  expect_failures = [var.alarm_period_seconds]
}

run "alarm_evaluation_beyond_a_day_is_rejected" {
  command = plan
  variables {
    alarm_evaluation_periods = 1441
  }
  expect_failures = [var.alarm_evaluation_periods]
}

run "with_an_alias_the_mapping_invokes_the_alias" {
  command = plan

  override_resource {
    target          = module.function.aws_lambda_alias.this
    override_during = plan
    values          = { arn = "arn:aws:lambda:eu-west-1:111122223333:function:clicks-processor:live" }
  }

  variables {
    alias          = { name = "live", provisioned_concurrent_executions = 0 }
    logging_config = { log_format = "JSON", application_log_level = "WARN" }
  }

  assert {
    condition = alltrue([
      module.function.alias_name == "live",
      local.mapping_target == "arn:aws:lambda:eu-west-1:111122223333:function:clicks-processor:live",
    ])
    error_message = "with an alias the mapping invokes the alias, not $LATEST"
  }
  assert {
    condition     = output.function_alias_arn == "arn:aws:lambda:eu-west-1:111122223333:function:clicks-processor:live"
    error_message = "the alias ARN is an output of the pipeline"
  }
}
