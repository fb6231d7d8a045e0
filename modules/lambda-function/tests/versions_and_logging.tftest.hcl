# Versions, the alias, provisioned concurrency on it, and Lambda's logging controls.
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
  # apply runs: the provider checks that the role is an ARN.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/processor" }
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

run "defaults_deploy_latest_only" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.publish == false
    error_message = "without publish the module must not publish versions"
  }
  assert {
    condition     = length(aws_lambda_alias.this) == 0 && length(aws_lambda_provisioned_concurrency_config.this) == 0
    error_message = "no alias and no provisioned concurrency unless asked for"
  }
  assert {
    condition     = length(aws_lambda_function.this.logging_config) == 0
    error_message = "without logging_config the function keeps Lambda's default logging"
  }
  assert {
    condition     = output.alias_arn == null && output.alias_name == null && output.alias_function_version == null
    error_message = "the alias outputs must be null without an alias"
  }
}

run "target_is_the_function_without_an_alias" {
  command = apply

  override_resource {
    target = aws_lambda_function.this
    values = {
      arn        = "arn:aws:lambda:eu-west-1:111122223333:function:processor"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:processor/invocations"
      version    = "$LATEST"
    }
  }

  assert {
    condition     = output.target_arn == "arn:aws:lambda:eu-west-1:111122223333:function:processor" && output.version == "$LATEST"
    error_message = "without an alias callers must name the unqualified function, which runs $LATEST"
  }
  assert {
    condition     = output.invoke_arn == "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:processor/invocations"
    error_message = "without an alias invoke_arn must stay the function's"
  }
}

run "alias_follows_the_published_version" {
  command   = apply
  state_key = "published" # a fresh function: the mock keeps an existing one's version

  variables {
    publish    = true
    alias_name = "live"
  }

  override_resource {
    target = aws_lambda_function.this
    values = {
      arn     = "arn:aws:lambda:eu-west-1:111122223333:function:processor"
      version = "7"
    }
  }
  override_resource {
    target = aws_lambda_alias.this
    values = {
      arn        = "arn:aws:lambda:eu-west-1:111122223333:function:processor:live"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:processor:live/invocations"
    }
  }

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.this[0].name == "live" && aws_lambda_alias.this[0].function_name == "processor"
    error_message = "publish must publish versions and keep the named alias on the function"
  }
  assert {
    condition     = aws_lambda_alias.this[0].function_version == "7" && output.alias_function_version == "7" && output.version == "7"
    error_message = "by default the alias must point at the version this apply published"
  }
  assert {
    condition     = output.target_arn == "arn:aws:lambda:eu-west-1:111122223333:function:processor:live" && output.alias_arn == output.target_arn
    error_message = "with an alias callers must name the alias ARN"
  }
  assert {
    condition     = endswith(output.invoke_arn, "function:processor:live/invocations")
    error_message = "with an alias invoke_arn must be the alias's"
  }
  assert {
    condition     = length(aws_lambda_provisioned_concurrency_config.this) == 0
    error_message = "provisioned concurrency is billed: none unless asked for"
  }
}

run "alias_can_hold_an_older_version" {
  command = plan

  variables {
    publish                = true
    alias_name             = "live"
    alias_function_version = "3"
  }

  assert {
    condition     = aws_lambda_alias.this[0].function_version == "3"
    error_message = "alias_function_version must pin the alias to that version"
  }
}

run "provisioned_concurrency_goes_on_the_alias" {
  command = plan

  variables {
    publish                           = true
    alias_name                        = "live"
    reserved_concurrent_executions    = 10
    provisioned_concurrent_executions = 10
  }

  assert {
    condition = (
      aws_lambda_provisioned_concurrency_config.this[0].function_name == "processor" &&
      aws_lambda_provisioned_concurrency_config.this[0].qualifier == "live" &&
      aws_lambda_provisioned_concurrency_config.this[0].provisioned_concurrent_executions == 10
    )
    error_message = "provisioned concurrency must be configured on the alias, up to the reservation"
  }
}

run "json_logging_filters_at_info_unless_told" {
  command = plan

  variables {
    logging_config = { log_format = "JSON", application_log_level = "WARN" }
  }

  assert {
    condition = aws_lambda_function.this.logging_config[0] == {
      log_format            = "JSON"
      log_group             = "/aws/lambda/processor"
      application_log_level = "WARN"
      system_log_level      = "INFO"
    }
    error_message = "JSON logging must go to the module's log group, with unset levels at AWS's default INFO"
  }
}

run "text_logging_sets_no_levels" {
  command = plan

  variables {
    logging_config = { log_format = "Text" }
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_format == "Text" && aws_lambda_function.this.logging_config[0].application_log_level == null && aws_lambda_function.this.logging_config[0].system_log_level == null
    error_message = "plain-text logging takes no log levels"
  }
}

run "alias_without_publish_is_rejected" {
  command = plan
  variables {
    alias_name = "live"
  }
  expect_failures = [var.alias_name]
}

run "numeric_alias_name_is_rejected" {
  command = plan
  variables {
    publish    = true
    alias_name = "42"
  }
  expect_failures = [var.alias_name]
}

run "alias_name_with_a_dot_is_rejected" {
  command = plan
  variables {
    publish    = true
    alias_name = "v1.2"
  }
  expect_failures = [var.alias_name]
}

run "latest_as_alias_version_is_rejected" {
  command = plan
  variables {
    publish                = true
    alias_name             = "live"
    alias_function_version = "$LATEST"
  }
  expect_failures = [var.alias_function_version]
}

run "alias_version_without_alias_is_rejected" {
  command = plan
  variables {
    publish                = true
    alias_function_version = "2"
  }
  expect_failures = [var.alias_function_version]
}

run "fractional_provisioned_concurrency_is_rejected" {
  command = plan
  variables {
    publish                           = true
    alias_name                        = "live"
    provisioned_concurrent_executions = 1.5
  }
  expect_failures = [var.provisioned_concurrent_executions]
}

run "provisioned_concurrency_without_alias_is_rejected" {
  command = plan
  variables {
    publish                           = true
    provisioned_concurrent_executions = 2
  }
  expect_failures = [var.provisioned_concurrent_executions]
}

run "provisioned_concurrency_above_reservation_is_rejected" {
  command = plan
  variables {
    publish                           = true
    alias_name                        = "live"
    reserved_concurrent_executions    = 2
    provisioned_concurrent_executions = 3
  }
  expect_failures = [var.provisioned_concurrent_executions]
}

run "unknown_log_format_is_rejected" {
  command = plan
  variables {
    logging_config = { log_format = "json" }
  }
  expect_failures = [var.logging_config]
}

run "unknown_application_log_level_is_rejected" {
  command = plan
  variables {
    logging_config = { log_format = "JSON", application_log_level = "VERBOSE" }
  }
  expect_failures = [var.logging_config]
}

run "application_only_system_log_level_is_rejected" {
  command = plan
  variables {
    logging_config = { log_format = "JSON", system_log_level = "ERROR" }
  }
  expect_failures = [var.logging_config]
}

run "log_levels_with_text_format_are_rejected" {
  command = plan
  variables {
    logging_config = { log_format = "Text", application_log_level = "DEBUG" }
  }
  expect_failures = [var.logging_config]
}
