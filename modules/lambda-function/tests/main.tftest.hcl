mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
}

variables {
  artifact_root = "."
  function_name = "processor"
  artifact = {
    kind             = "function"
    path             = "tests/fixtures/function.zip"
    source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
    runtime          = "python3.12"
    architecture     = "arm64"
    handler          = "app.handler"
    upload_via_s3    = false
  }
}

run "manifest_entry_becomes_the_function" {
  command = plan

  variables {
    environment_variables = { LOG_LEVEL = "INFO" }
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "app.handler" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "runtime, handler and architecture must come from the manifest entry"
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk=" && aws_lambda_function.this.filename == "./tests/fixtures/function.zip"
    error_message = "the zip and its manifest hash must be deployed directly"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 256 && aws_lambda_function.this.timeout == 60 && aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "defaults: 256 MB, 60 s, unreserved concurrency"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["LOG_LEVEL"] == "INFO"
    error_message = "environment variables must be passed through"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/processor" && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "the function's log group must exist with one year of retention"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.this.policy).Statement[0].Resource == ["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/processor:*"]
    error_message = "log permissions must be scoped to the function's own log group"
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.this.policy).Statement) == 1 && length(aws_lambda_function.this.vpc_config) == 0
    error_message = "without VPC, tracing or extra statements the role may only write its logs"
  }
  assert {
    condition     = length(aws_s3_object.artifact) == 0
    error_message = "small zips must not go through S3"
  }
}

run "log_group_is_encrypted_with_its_own_key_by_default" {
  command = plan

  override_resource {
    target          = aws_kms_key.logs
    override_during = plan
    values          = { arn = "arn:aws:kms:eu-west-1:111122223333:key/logs" }
  }

  assert {
    condition     = length(aws_kms_key.logs) == 1 && aws_kms_key.logs[0].enable_key_rotation && aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/logs"
    error_message = "with module defaults the log group must be encrypted with a rotated key of its own"
  }
  assert {
    condition = [for s in jsondecode(aws_kms_key.logs[0].policy).Statement : s if s.Sid == "CloudWatchLogsEncryptsThisLogGroup"][0] == {
      Sid       = "CloudWatchLogsEncryptsThisLogGroup"
      Effect    = "Allow"
      Principal = { Service = "logs.eu-west-1.amazonaws.com" }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/processor" } }
    }
    error_message = "the key policy must let CloudWatch Logs use the key for this log group only"
  }
  assert {
    condition     = [for s in jsondecode(aws_kms_key.logs[0].policy).Statement : s.Principal if s.Sid == "AccountManagesKeyThroughIam"][0] == { AWS = "arn:aws:iam::111122223333:root" }
    error_message = "the account must be able to manage the key through IAM"
  }
}

run "callers_log_key_replaces_the_module_key" {
  command = plan
  variables {
    create_log_kms_key = false
    log_kms_key_arn    = "arn:aws:kms:eu-west-1:111122223333:key/pipeline"
  }
  assert {
    condition     = length(aws_kms_key.logs) == 0 && aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/pipeline" && output.log_kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/pipeline"
    error_message = "a key passed in encrypts the log group and the module creates none"
  }
}

run "log_key_can_be_opted_out" {
  command = plan
  variables {
    create_log_kms_key = false
  }
  assert {
    condition     = length(aws_kms_key.logs) == 0 && aws_cloudwatch_log_group.this.kms_key_id == null
    error_message = "create_log_kms_key = false leaves the log group on CloudWatch's default encryption, with no key"
  }
}

run "vpc_config_grants_eni_permissions_on_those_subnets" {
  command = plan

  variables {
    vpc_config = { subnet_ids = ["subnet-a", "subnet-b"], security_group_ids = ["sg-1"] }
    policy_statements = [{
      sid        = "ReadStream"
      actions    = ["kinesis:GetRecords"]
      resources  = ["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"]
      conditions = [{ test = "StringEquals", variable = "aws:RequestedRegion", values = ["eu-west-1"] }]
    }]
  }

  assert {
    condition     = aws_lambda_function.this.vpc_config[0].subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "the function must be placed in the given subnets"
  }
  assert {
    condition = contains(
      [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "CreateEniInTheGivenSubnets"][0],
      "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-b"
    )
    error_message = "ENI creation must be scoped to the given subnets"
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadStream"][0] == {
      Sid       = "ReadStream"
      Effect    = "Allow"
      Action    = ["kinesis:GetRecords"]
      Resource  = ["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"]
      Condition = { StringEquals = { "aws:RequestedRegion" = ["eu-west-1"] } }
    }
    error_message = "caller statements must appear verbatim, scoped to their ARNs"
  }
}

run "large_zip_goes_through_s3" {
  command = plan

  variables {
    artifact = {
      path             = "tests/fixtures/function.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
      handler          = "app.handler"
      upload_via_s3    = true
    }
    artifact_bucket = "artifacts"
  }

  assert {
    condition     = aws_s3_object.artifact[0].bucket == "artifacts" && aws_lambda_function.this.s3_bucket == "artifacts" && aws_lambda_function.this.filename == null
    error_message = "upload_via_s3 must upload the zip to the bucket and deploy from there"
  }
}

run "missing_zip_fails_plan" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/absent.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
      handler          = "app.handler"
    }
  }
  expect_failures = [aws_lambda_function.this]
}

run "stale_zip_fails_plan" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/function.zip"
      source_code_hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
      runtime          = "python3.12"
      architecture     = "x86_64"
      handler          = "app.handler"
    }
  }
  expect_failures = [aws_lambda_function.this]
}

run "memory_127_is_rejected" {
  command = plan
  variables {
    memory_size = 127
  }
  expect_failures = [var.memory_size]
}

run "memory_10241_is_rejected" {
  command = plan
  variables {
    memory_size = 10241
  }
  expect_failures = [var.memory_size]
}

run "timeout_0_is_rejected" {
  command = plan
  variables {
    timeout = 0
  }
  expect_failures = [var.timeout]
}

run "timeout_901_is_rejected" {
  command = plan
  variables {
    timeout = 901
  }
  expect_failures = [var.timeout]
}

run "six_layers_are_rejected" {
  command = plan
  variables {
    layers = [for i in range(6) : "arn:aws:lambda:eu-west-1:111122223333:layer:l${i}:1"]
  }
  expect_failures = [var.layers]
}

run "environment_over_4kb_is_rejected" {
  command = plan
  variables {
    environment_variables = { BIG = format("%4094s", "") }
  }
  expect_failures = [var.environment_variables]
}

run "environment_of_exactly_4096_bytes_is_accepted" {
  command = plan
  variables {
    # {"BIG":"..."} is 10 bytes around the value: 4081 spaces, "<&>" (escaped by jsonencode, not by
    # AWS's measure) and an é of two bytes make 4086, so 4096 in all.
    environment_variables = { BIG = "${format("%4081s", "")}<&>é" }
  }
  assert {
    condition     = length(aws_lambda_function.this.environment[0].variables["BIG"]) == 4085
    error_message = "4096 bytes as AWS measures them is within the limit"
  }
}

run "environment_of_4097_bytes_is_rejected" {
  command = plan
  variables {
    environment_variables = { BIG = "${format("%4082s", "")}<&>é" }
  }
  expect_failures = [var.environment_variables]
}

run "environment_counts_bytes_not_characters" {
  command = plan
  variables {
    # 3,000 characters, 6,000 bytes: the character count passed before.
    environment_variables = { TEXT = replace(format("%3000s", ""), " ", "é") }
  }
  expect_failures = [var.environment_variables]
}

run "one_character_environment_name_is_rejected" {
  command = plan
  variables {
    environment_variables = { A = "x" }
  }
  expect_failures = [var.environment_variables]
}

run "reserved_environment_name_is_rejected" {
  command = plan
  variables {
    environment_variables = { AWS_REGION = "us-east-1" }
  }
  expect_failures = [var.environment_variables]
}

run "unknown_architecture_is_rejected" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/function.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python2.7"
      architecture     = "x86"
      handler          = "app.handler"
    }
  }
  expect_failures = [var.artifact]
}

run "s3_upload_without_bucket_is_rejected" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/function.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
      handler          = "app.handler"
      upload_via_s3    = true
    }
  }
  expect_failures = [var.artifact_bucket]
}

run "wildcard_statement_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "All", actions = ["sqs:SendMessage"], resources = ["*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "every_action_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["*"], resources = ["arn:aws:s3:::archive/*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "service_wide_action_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["s3:*"], resources = ["arn:aws:s3:::archive/*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "action_prefix_wildcard_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["s3:Get*"], resources = ["arn:aws:s3:::archive/*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "every_queue_of_the_account_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:eu-west-1:111122223333:*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "queue_name_prefix_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:eu-west-1:111122223333:orders-*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "every_function_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:lambda:eu-west-1:111122223333:function:*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "every_stream_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:kinesis:eu-west-1:111122223333:stream/*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "every_bucket_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:s3:::*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "bucket_name_prefix_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:s3:::clicks-*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "log_group_name_prefix_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/*"] }]
  }
  expect_failures = [var.policy_statements]
}

run "any_region_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:*:111122223333:orders"] }]
  }
  expect_failures = [var.policy_statements]
}

run "any_account_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Wide", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:eu-west-1:*:orders"] }]
  }
  expect_failures = [var.policy_statements]
}

run "statement_without_resources_is_rejected" {
  command = plan
  variables {
    policy_statements = [{ sid = "Nothing", actions = ["sqs:SendMessage"], resources = [] }]
  }
  expect_failures = [var.policy_statements]
}

run "wildcards_after_the_resource_name_are_allowed" {
  command = plan
  variables {
    policy_statements = [{
      sid     = "Narrowed"
      actions = ["s3:PutObject", "logs:PutLogEvents", "dynamodb:Query", "lambda:InvokeFunction"]
      resources = [
        "arn:aws:s3:::archive/failed/*",
        "arn:aws:s3:::archive/*",
        "arn:aws:logs:eu-west-1:111122223333:log-group:/app/orders:*",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/*",
        "arn:aws:lambda:eu-west-1:111122223333:function:fallback:*",
        "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/*",
      ]
    }]
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "Narrowed"][0].Resource) == 6
    error_message = "object prefixes, a log group's streams, a table's indexes, a function's qualifiers and a stream's consumers name one resource and must be accepted"
  }
}

run "unsupported_log_retention_is_rejected" {
  command = plan
  variables {
    log_retention_in_days = 2
  }
  expect_failures = [var.log_retention_in_days]
}

run "reserved_concurrency_below_minus_one_is_rejected" {
  command = plan
  variables {
    reserved_concurrent_executions = -2
  }
  expect_failures = [var.reserved_concurrent_executions]
}

run "vpc_without_security_groups_is_rejected" {
  command = plan
  variables {
    vpc_config = { subnet_ids = ["subnet-a"], security_group_ids = [] }
  }
  expect_failures = [var.vpc_config]
}

run "invalid_description_is_rejected" {
  command = plan
  variables {
    description = format("%257s", "")
  }
  expect_failures = [var.description]
}

run "invalid_function_name_is_rejected" {
  command = plan
  variables {
    function_name = "has.dot"
  }
  expect_failures = [var.function_name]
}

run "invalid_kms_key_arn_is_rejected" {
  command = plan
  variables {
    kms_key_arn = "alias/lambda"
  }
  expect_failures = [var.kms_key_arn]
}

run "invalid_log_kms_key_arn_is_rejected" {
  command = plan
  variables {
    create_log_kms_key = false
    log_kms_key_arn    = "alias/logs"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "log_key_beside_the_module_key_is_rejected" {
  command = plan
  variables {
    log_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/pipeline"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "invalid_tracing_mode_is_rejected" {
  command = plan
  variables {
    tracing_mode = "On"
  }
  expect_failures = [var.tracing_mode]
}

run "blank_artifact_root_is_rejected" {
  command = plan

  variables {
    artifact_root = " "
  }

  expect_failures = [var.artifact_root]
}
