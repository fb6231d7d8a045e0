# The reference pipeline planned against a mocked AWS provider with a fixture
# manifest (no `make build` needed). Known ARNs/URLs are pinned with overrides
# so the wiring between the modules can be asserted.
mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
}

override_resource {
  target          = module.pipeline.aws_sns_topic.batch_failures
  override_during = plan
  values          = { arn = "arn:aws:sns:eu-west-1:111122223333:clickstream-batch-failures" }
}

override_resource {
  target          = module.pipeline.aws_sqs_queue.dead_letter
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:clickstream-poison-records"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/clickstream-poison-records"
  }
}

override_resource {
  target          = module.pipeline.aws_sqs_queue.handler_outcomes
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:clickstream-failure-handler-outcome" }
}

override_resource {
  target          = module.pipeline.aws_s3_bucket.archive
  override_during = plan
  values          = { id = "clickstream-archive-1", arn = "arn:aws:s3:::clickstream-archive-1" }
}

override_resource {
  target          = aws_kms_key.pipeline
  override_during = plan
  values          = { arn = "arn:aws:kms:eu-west-1:111122223333:key/pipeline" }
}

override_resource {
  target          = module.pipeline.module.stream[0].aws_kinesis_stream.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:111122223333:stream/clickstream" }
}

override_resource {
  target          = module.db_proxy.aws_db_proxy.this
  override_during = plan
  values = {
    arn      = "arn:aws:rds:eu-west-1:111122223333:db-proxy:prx-0123456789abcdef0"
    endpoint = "clickstream.proxy-abc.eu-west-1.rds.amazonaws.com"
  }
}

override_resource {
  target          = aws_security_group.functions
  override_during = plan
  values          = { id = "sg-0f1" }
}

override_resource {
  target          = module.network.aws_vpc.this
  override_during = plan
  values          = { id = "vpc-0123456789abcdef0" }
}

override_resource {
  target          = module.network.aws_subnet.private
  override_during = plan
  values          = { id = "subnet-0a" }
}

override_resource {
  target          = aws_db_instance.database
  override_during = plan
  values = {
    identifier = "clickstream-db"
    master_user_secret = [{
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-AbCdEf"
      kms_key_id    = "arn:aws:kms:eu-west-1:111122223333:key/pipeline"
      secret_status = "active"
    }]
  }
}

override_resource {
  target          = aws_s3_bucket.artifacts
  override_during = plan
  values          = { id = "clickstream-artifacts-1", arn = "arn:aws:s3:::clickstream-artifacts-1" }
}

variables {
  manifest_path = "tests/terraform/fixtures/manifest.json"
}

run "stream_processor_mapping_is_safe" {
  command = plan

  assert {
    condition     = module.pipeline.on_failure_destination_arn == "arn:aws:sns:eu-west-1:111122223333:clickstream-batch-failures" && output.batch_failure_topic_arn == module.pipeline.on_failure_destination_arn
    error_message = "exhausted batches must go to the failure topic"
  }
  assert {
    condition = alltrue([
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Resource if s.Sid == "ReadStream"] == [["arn:aws:kinesis:eu-west-1:111122223333:stream/clickstream"]],
      contains(one([for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Action if s.Sid == "ReadStream"]), "kinesis:GetRecords"),
    ])
    error_message = "the processor may read exactly the pipeline's stream"
  }
  assert {
    condition = contains(
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Resource if s.Sid == "SendPoisonRecords"],
      ["arn:aws:sqs:eu-west-1:111122223333:clickstream-poison-records"]
    )
    error_message = "the processor may send poison records to the dead-letter queue only"
  }
  assert {
    condition = contains(
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Resource if s.Sid == "ConnectThroughProxy"],
      ["arn:aws:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0/clicks_app"]
    )
    error_message = "IAM database auth must be granted on the proxy for the app user"
  }
  assert {
    condition     = length([for s in jsondecode(module.pipeline.function_policy_json).Statement : s if s.Sid == "ReadDatabaseSecret"]) == 0
    error_message = "with IAM auth the processor must not be able to read the database password"
  }
  assert {
    condition = alltrue([
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Resource if s.Sid == "KeepLargePoisonRecords"] == [["arn:aws:s3:::clickstream-archive-1/dead-letter/*"]],
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Action if s.Sid == "KeepLargePoisonRecords"] == [["s3:PutObject"]],
      [for s in jsondecode(module.pipeline.function_policy_json).Statement : s.Resource if s.Sid == "EncryptLargePoisonRecords"] == [["arn:aws:kms:eu-west-1:111122223333:key/pipeline"]],
    ])
    error_message = "the processor may write dead-letter payloads under dead-letter/ of the archive only, encrypted with the pipeline key"
  }
}

run "wiring_of_functions_endpoints_and_archive" {
  command = plan

  assert {
    condition     = module.endpoints.services == tolist(["kinesis-streams", "s3", "secretsmanager", "sqs"])
    error_message = "every service the functions call (manifest aws_services) needs a VPC endpoint"
  }
  assert {
    condition     = length(module.network.nat_gateway_ids) == 0 && length(module.network.public_subnet_ids) == 0
    error_message = "no NAT and no public subnets by default"
  }
  assert {
    condition     = module.pipeline.failure_handler_function_name == "clickstream-failure-handler" && output.failure_handler_function_name == "clickstream-failure-handler"
    error_message = "the pipeline has the failure handler (its subscription to the failure topic: the pipeline module's tests)"
  }
  assert {
    condition = alltrue([
      keys(module.pipeline.failure_handler_outcome_queue_urls) == ["failed", "succeeded"],
      keys(output.failure_handler_outcome_queue_urls) == ["failed", "succeeded"],
    ])
    error_message = "the failure handler's own outcomes must go to destinations"
  }
  assert {
    condition = alltrue([
      output.archive_bucket == "clickstream-archive-1",
      module.pipeline.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/pipeline",
      output.archive_prefix == "failed-batches/",
    ])
    error_message = "the pipeline has the archive bucket and uses the pipeline key (the bucket's privacy and encryption: the pipeline module's tests)"
  }
  assert {
    condition     = aws_db_instance.database.iam_database_authentication_enabled && aws_db_instance.database.storage_encrypted && !aws_db_instance.database.publicly_accessible && aws_db_instance.database.manage_master_user_password
    error_message = "the database must be private, encrypted, with IAM auth and an RDS-managed secret"
  }
  assert {
    condition     = aws_kms_key.pipeline.enable_key_rotation
    error_message = "the pipeline key must rotate"
  }
}

run "the_pipeline_is_monitored" {
  command = plan

  assert {
    condition = alltrue([
      module.pipeline.alarm_names["iterator_age_lagging"] == "clickstream-iterator-age-lagging",
      module.pipeline.alarm_names["dropped_events"] == "clickstream-dropped-events",
      module.pipeline.alarm_names["dead_letter_messages_visible"] == "clickstream-dead-letter-messages-visible",
      module.pipeline.alarm_names["failure_queue_messages_visible"] == "clickstream-failure-queue-messages-visible",
      module.pipeline.alarm_names["failure_handler_errors"] == "clickstream-failure-handler-errors",
      length(module.pipeline.alarm_names) == 13,
    ])
    error_message = "lag, loss, errors, duration, the failure handler, the dead-letter and failure queues are all alarmed (no stream-throughput alarms on an on-demand stream)"
  }
  assert {
    condition = alltrue([
      module.pipeline.alarm_thresholds.iterator_age_at_risk_ms == 43200000,
      module.pipeline.alarm_thresholds.duration_ms == 48000,
    ])
    error_message = "records at risk at half the stream's 24 h retention, duration at 80% of the processor's 60 s timeout"
  }
  assert {
    condition     = contains([for s in jsondecode(aws_kms_key.pipeline.policy).Statement : s.Sid], "CloudWatchAlarmsUseTopicKey")
    error_message = "the pipeline key must let CloudWatch publish the alarms to the encrypted topic"
  }
}

run "existing_alarm_topic_is_used" {
  command = plan
  variables {
    alarm_topic_arn = "arn:aws:sns:eu-west-1:111122223333:on-call"
  }
  assert {
    condition     = module.pipeline.alarm_topic_arn == "arn:aws:sns:eu-west-1:111122223333:on-call" && output.alarm_topic_arn == "arn:aws:sns:eu-west-1:111122223333:on-call"
    error_message = "with alarm_topic_arn the alarms notify the given topic"
  }
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

run "nat_mode_single_opens_https_egress" {
  command = plan
  variables {
    nat_mode = "single"
  }
  assert {
    condition     = length(module.network.nat_gateway_ids) == 1 && aws_vpc_security_group_egress_rule.functions_to_internet[0].from_port == 443
    error_message = "single NAT mode adds one NAT gateway and HTTPS egress"
  }
}

run "secret_auth_grants_the_secret_instead" {
  command = plan
  variables {
    db_auth = "secret"
  }
  assert {
    condition     = length([for s in jsondecode(module.pipeline.function_policy_json).Statement : s if s.Sid == "ConnectThroughProxy"]) == 0 && length([for s in jsondecode(module.pipeline.function_policy_json).Statement : s if s.Sid == "ReadDatabaseSecret"]) == 1
    error_message = "secret auth reads the secret and needs no rds-db:connect"
  }
}

run "dead_letter_prefix_inside_the_archive_prefix_is_rejected" {
  command = plan
  variables {
    dead_letter_prefix = "failed-batches/poison/"
  }
  expect_failures = [var.dead_letter_prefix]
}

run "az_count_1_is_rejected" {
  command = plan
  variables {
    az_count = 1
  }
  expect_failures = [var.az_count]
}

run "batch_size_10001_is_rejected" {
  command = plan
  variables {
    batch_size = 10001
  }
  expect_failures = [var.batch_size]
}

run "parallelization_11_is_rejected" {
  command = plan
  variables {
    parallelization_factor = 11
  }
  expect_failures = [var.parallelization_factor]
}

run "unknown_db_auth_is_rejected" {
  command = plan
  variables {
    db_auth = "trust"
  }
  expect_failures = [var.db_auth]
}

run "full_endpoint_service_name_is_rejected" {
  command = plan
  variables {
    extra_interface_endpoints = ["com.amazonaws.eu-west-1.logs"]
  }
  expect_failures = [var.extra_interface_endpoints]
}

run "extra_endpoint_is_added" {
  command = plan
  variables {
    extra_interface_endpoints = ["logs"]
  }
  assert {
    condition     = contains(module.endpoints.services, "logs") && contains(module.endpoints.services, "sqs")
    error_message = "extra endpoints are added to the derived ones"
  }
}

# Zips over 50 MB (manifest upload_via_s3): a function and a layer in manifest_via_s3.json.

run "no_zip_for_s3_no_artifact_bucket" {
  command = plan

  assert {
    condition = alltrue([
      length(aws_s3_bucket.artifacts) == 0,
      length(aws_s3_bucket_server_side_encryption_configuration.artifacts) == 0,
      length(aws_s3_bucket_policy.artifacts) == 0,
      output.artifact_bucket == null,
    ])
    error_message = "without a zip marked upload_via_s3 the stack has no artifact bucket"
  }
}

run "zips_for_s3_get_a_private_encrypted_bucket" {
  command = plan
  variables {
    manifest_path = "tests/terraform/fixtures/manifest_via_s3.json"
  }

  assert {
    condition     = length(aws_s3_bucket.artifacts) == 1 && output.artifact_bucket == "clickstream-artifacts-1"
    error_message = "zips marked upload_via_s3 must go through a bucket the stack creates"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.artifacts[0].block_public_acls,
      aws_s3_bucket_public_access_block.artifacts[0].block_public_policy,
      aws_s3_bucket_public_access_block.artifacts[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.artifacts[0].restrict_public_buckets,
      one(aws_s3_bucket_ownership_controls.artifacts[0].rule).object_ownership == "BucketOwnerEnforced",
    ])
    error_message = "the artifact bucket must block public access and disable ACLs"
  }
  assert {
    condition = alltrue([
      one(aws_s3_bucket_server_side_encryption_configuration.artifacts[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms",
      one(aws_s3_bucket_server_side_encryption_configuration.artifacts[0].rule).apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/pipeline",
      aws_s3_bucket_server_side_encryption_configuration.artifacts[0].bucket == "clickstream-artifacts-1",
    ])
    error_message = "the artifact bucket must encrypt with the pipeline key, and the zips go through its encryption configuration"
  }
  assert {
    condition = alltrue([
      one(aws_s3_bucket_versioning.artifacts[0].versioning_configuration).status == "Enabled",
      one(aws_s3_bucket_lifecycle_configuration.artifacts[0].rule).noncurrent_version_expiration[0].noncurrent_days == 30,
      jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement[0].Effect == "Deny",
      jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false",
      jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement[0].Resource == ["arn:aws:s3:::clickstream-artifacts-1", "arn:aws:s3:::clickstream-artifacts-1/*"],
    ])
    error_message = "the artifact bucket must be versioned (old zips expire) and refuse requests without TLS"
  }
}

run "given_artifact_bucket_is_used_instead" {
  command = plan
  variables {
    manifest_path   = "tests/terraform/fixtures/manifest_via_s3.json"
    artifact_bucket = "team-lambda-artifacts"
  }

  assert {
    condition     = length(aws_s3_bucket.artifacts) == 0 && output.artifact_bucket == "team-lambda-artifacts"
    error_message = "a given artifact_bucket replaces the created one"
  }
}

run "artifact_bucket_with_capitals_is_rejected" {
  command = plan
  variables {
    artifact_bucket = "Team_Artifacts"
  }
  expect_failures = [var.artifact_bucket]
}

run "artifact_bucket_like_an_ip_address_is_rejected" {
  command = plan
  variables {
    artifact_bucket = "192.168.0.1"
  }
  expect_failures = [var.artifact_bucket]
}
