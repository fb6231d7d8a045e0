mock_provider "aws" {}

variables {
  function_name              = "handler"
  on_success_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:handler-succeeded"
  on_failure_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:handler-failed"
}

run "both_outcomes_go_to_their_queues" {
  command = plan

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.destination_config[0].on_success[0].destination == "arn:aws:sqs:eu-west-1:111122223333:handler-succeeded"
    error_message = "successes must go to the on-success queue"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination == "arn:aws:sqs:eu-west-1:111122223333:handler-failed"
    error_message = "failures must go to the on-failure queue"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 2 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 21600
    error_message = "defaults: 2 retries, 6 hours of event age"
  }
  assert {
    condition = output.iam_statements == [
      { sid = "DeliverOnFailure", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:eu-west-1:111122223333:handler-failed"], conditions = [] },
      { sid = "DeliverOnSuccess", actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:eu-west-1:111122223333:handler-succeeded"], conditions = [] },
    ]
    error_message = "the role may only send to the two destination queues"
  }
}

run "each_target_type_gets_its_action" {
  command = plan

  variables {
    on_success_destination_arn = "arn:aws:events:eu-west-1:111122223333:event-bus/outcomes"
    on_failure_destination_arn = "arn:aws:lambda:eu-west-1:111122223333:function:fallback"
    destination_kms_key_arns   = ["arn:aws:kms:eu-west-1:111122223333:key/abc"]
  }

  assert {
    condition     = one([for s in output.iam_statements : s.actions if s.sid == "DeliverOnSuccess"]) == ["events:PutEvents"] && one([for s in output.iam_statements : s.actions if s.sid == "DeliverOnFailure"]) == ["lambda:InvokeFunction"]
    error_message = "EventBridge needs events:PutEvents and Lambda needs lambda:InvokeFunction"
  }
  assert {
    condition     = one([for s in output.iam_statements : s.resources if s.sid == "EncryptDestinationMessages"]) == tolist(["arn:aws:kms:eu-west-1:111122223333:key/abc"])
    error_message = "destination keys must be granted on exactly those ARNs"
  }
}

run "sns_failure_only" {
  command = plan
  variables {
    on_success_destination_arn = null
    on_failure_destination_arn = "arn:aws:sns:eu-west-1:111122223333:handler-failed"
  }
  assert {
    condition     = length(aws_lambda_function_event_invoke_config.this.destination_config[0].on_success) == 0 && output.iam_statements[0].actions == ["sns:Publish"]
    error_message = "an SNS failure destination alone needs only sns:Publish"
  }
}

run "missing_failure_destination_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = null
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "s3_bucket_takes_failures_with_put_and_list" {
  command = plan
  variables {
    on_success_destination_arn = null
    on_failure_destination_arn = "arn:aws:s3:::handler-failures"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination == "arn:aws:s3:::handler-failures"
    error_message = "an S3 bucket is a valid on-failure destination"
  }
  assert {
    condition = output.iam_statements == [
      { sid = "DeliverOnFailure", actions = ["s3:PutObject"], resources = ["arn:aws:s3:::handler-failures/*"], conditions = [] },
      { sid = "ListOnFailureBucket", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::handler-failures"], conditions = [] },
    ]
    error_message = "an S3 destination needs s3:PutObject on the bucket's objects and s3:ListBucket on the bucket, nothing more"
  }
}

run "fifo_queue_on_failure_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:handler-failed.fifo"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "fifo_topic_on_failure_is_rejected" {
  command = plan
  variables {
    on_failure_destination_arn = "arn:aws:sns:eu-west-1:111122223333:handler-failed.fifo"
  }
  expect_failures = [var.on_failure_destination_arn]
}

run "fifo_queue_on_success_is_rejected" {
  command = plan
  variables {
    on_success_destination_arn = "arn:aws:sqs:eu-west-1:111122223333:handler-succeeded.fifo"
  }
  expect_failures = [var.on_success_destination_arn]
}

run "event_bus_named_like_fifo_is_accepted" {
  command = plan
  variables {
    on_success_destination_arn = "arn:aws:events:eu-west-1:111122223333:event-bus/outcomes.fifo"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.destination_config[0].on_success[0].destination == "arn:aws:events:eu-west-1:111122223333:event-bus/outcomes.fifo"
    error_message = "only SQS queues and SNS topics have FIFO variants; an event bus name may end in .fifo"
  }
}

run "retries_3_are_rejected" {
  command = plan
  variables {
    maximum_retry_attempts = 3
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "retries_minus_1_are_rejected" {
  command = plan
  variables {
    maximum_retry_attempts = -1
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "event_age_59_is_rejected" {
  command = plan
  variables {
    maximum_event_age_in_seconds = 59
  }
  expect_failures = [var.maximum_event_age_in_seconds]
}

run "event_age_21601_is_rejected" {
  command = plan
  variables {
    maximum_event_age_in_seconds = 21601
  }
  expect_failures = [var.maximum_event_age_in_seconds]
}

run "invalid_destination_kms_key_arns_is_rejected" {
  command = plan
  variables {
    destination_kms_key_arns = ["alias/queue"]
  }
  expect_failures = [var.destination_kms_key_arns]
}

run "invalid_function_name_is_rejected" {
  command = plan
  variables {
    function_name = ""
  }
  expect_failures = [var.function_name]
}

run "s3_bucket_on_success_is_rejected" {
  command = plan
  variables {
    on_success_destination_arn = "arn:aws:s3:::bucket"
  }
  expect_failures = [var.on_success_destination_arn]
}
