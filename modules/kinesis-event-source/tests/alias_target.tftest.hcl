# The mapping can name an alias (or version) of the function; the role's statements do not change.
mock_provider "aws" {}

variables {
  stream_arn                 = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
  on_failure_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:clicks-failed"
  stream_kms_key_arn         = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

run "unqualified_function" {
  command = plan
  variables {
    function_name = "arn:aws:lambda:eu-west-1:111122223333:function:processor"
  }
}

run "mapping_targets_the_alias" {
  command = plan

  variables {
    function_name = "arn:aws:lambda:eu-west-1:111122223333:function:processor:live"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.function_name == "arn:aws:lambda:eu-west-1:111122223333:function:processor:live"
    error_message = "the mapping must invoke the alias, so the alias decides which version runs"
  }
  assert {
    condition     = output.iam_statements == run.unqualified_function.iam_statements
    error_message = "the execution role is shared by every version: targeting an alias must not change its statements"
  }
}

run "names_and_versions_are_accepted" {
  command = plan

  variables {
    function_name = "processor:3"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.function_name == "processor:3"
    error_message = "a name qualified by a version must be passed through"
  }
}

run "function_name_with_two_qualifiers_is_rejected" {
  command = plan
  variables {
    function_name = "arn:aws:lambda:eu-west-1:111122223333:function:processor:live:3"
  }
  expect_failures = [var.function_name]
}

run "queue_arn_as_function_is_rejected" {
  command = plan
  variables {
    function_name = "arn:aws:sqs:eu-west-1:111122223333:processor"
  }
  expect_failures = [var.function_name]
}
