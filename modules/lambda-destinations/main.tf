locals {
  # Service part of each destination ARN decides the action the function's role needs.
  actions = {
    sqs    = "sqs:SendMessage"
    sns    = "sns:Publish"
    s3     = "s3:PutObject"
    events = "events:PutEvents"
    lambda = "lambda:InvokeFunction"
  }
  targets = { for outcome, arn in {
    OnSuccess = var.on_success_destination_arn
    OnFailure = var.on_failure_destination_arn
  } : outcome => arn if arn != null }
  buckets = { for outcome, arn in local.targets : outcome => arn if split(":", arn)[2] == "s3" }

  iam_statements = concat(
    [for outcome, arn in local.targets : {
      sid        = "Deliver${outcome}"
      actions    = [local.actions[split(":", arn)[2]]]
      resources  = [contains(keys(local.buckets), outcome) ? "${arn}/*" : arn]
      conditions = []
    }],
    # An S3 destination needs s3:ListBucket on the bucket as well as s3:PutObject on its objects.
    [for outcome, arn in local.buckets : {
      sid        = "List${outcome}Bucket"
      actions    = ["s3:ListBucket"]
      resources  = [arn]
      conditions = []
    }],
    length(var.destination_kms_key_arns) == 0 ? [] : [{
      sid        = "EncryptDestinationMessages"
      actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources  = var.destination_kms_key_arns
      conditions = []
    }],
  )
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = var.function_name
  qualifier                    = var.qualifier
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = length(local.targets) == 0 ? [] : [local.targets]
    content {
      dynamic "on_success" {
        for_each = var.on_success_destination_arn == null ? [] : [var.on_success_destination_arn]
        content {
          destination = on_success.value
        }
      }
      dynamic "on_failure" {
        for_each = var.on_failure_destination_arn == null ? [] : [var.on_failure_destination_arn]
        content {
          destination = on_failure.value
        }
      }
    }
  }
}
