data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  zip_path = "${var.artifact_root}/${var.artifact.path}"
  # try(): a missing zip must reach the precondition's message, not a function error.
  zip_hash      = try(filebase64sha256(local.zip_path), null)
  artifact_ok   = local.zip_hash == var.artifact.source_code_hash
  artifact_hint = local.zip_hash == null ? "is missing" : "differs from the source_code_hash in dist/manifest.json"

  prefix        = "arn:${data.aws_partition.current.partition}"
  account_scope = "${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}"
  log_group_arn = "${local.prefix}:logs:${local.account_scope}:log-group:/aws/lambda/${var.function_name}"
  s3_key        = "lambda/${var.function_name}/${replace(replace(var.artifact.source_code_hash, "/", "_"), "+", "-")}.zip"

  # Secure by default: the log group gets a key of its own unless the caller opts out.
  log_kms_key_arn = var.create_log_kms_key ? one(aws_kms_key.logs[*].arn) : var.log_kms_key_arn
  logs_principal  = "logs.${data.aws_region.current.id}.${data.aws_partition.current.dns_suffix}"

  vpc_statements = var.vpc_config == null ? [] : [
    {
      sid     = "CreateEniInTheGivenSubnets"
      actions = ["ec2:CreateNetworkInterface"]
      resources = concat(
        ["${local.prefix}:ec2:${local.account_scope}:network-interface/*"],
        [for id in var.vpc_config.subnet_ids : "${local.prefix}:ec2:${local.account_scope}:subnet/${id}"],
        [for id in var.vpc_config.security_group_ids : "${local.prefix}:ec2:${local.account_scope}:security-group/${id}"],
      )
      conditions = []
    },
    {
      sid        = "ManageOwnEnis"
      actions    = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources  = ["${local.prefix}:ec2:${local.account_scope}:network-interface/*"]
      conditions = []
    },
    {
      # Describe* calls support no resource-level permissions: "*" is the only valid resource.
      sid        = "DescribeNetworking"
      actions    = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources  = ["*"]
      conditions = []
    },
  ]

  tracing_statements = var.tracing_mode != "Active" ? [] : [
    {
      # X-Ray trace writes support no resource-level permissions.
      sid        = "WriteTraces"
      actions    = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources  = ["*"]
      conditions = []
    },
  ]

  statements = concat(
    [{
      sid        = "WriteOwnLogs"
      actions    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources  = ["${local.log_group_arn}:*"]
      conditions = []
    }],
    local.vpc_statements,
    local.tracing_statements,
    var.policy_statements,
  )

  policy = {
    Version = "2012-10-17"
    Statement = [for s in local.statements : merge(
      {
        Sid      = s.sid
        Effect   = "Allow"
        Action   = s.actions
        Resource = s.resources
      },
      length(s.conditions) == 0 ? {} : {
        Condition = { for test in distinct([for c in s.conditions : c.test]) : test => {
          for c in s.conditions : c.variable => c.values if c.test == test
        } }
      },
    )]
  }
}

resource "aws_iam_role" "this" {
  name        = var.function_name
  description = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.policy)
}

resource "aws_kms_key" "logs" {
  count = var.create_log_kms_key ? 1 : 0

  description         = "Encrypts the CloudWatch log group of the ${var.function_name} Lambda function"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The account's IAM policies decide who manages the key (AWS's default key policy).
        Sid       = "AccountManagesKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "${local.prefix}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # CloudWatch Logs uses the key for this function's log group and nothing else.
        Sid       = "CloudWatchLogsEncryptsThisLogGroup"
        Effect    = "Allow"
        Principal = { Service = local.logs_principal }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
    ]
  })
  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.log_kms_key_arn
  tags              = var.tags
}

resource "aws_s3_object" "artifact" {
  count = var.artifact.upload_via_s3 ? 1 : 0

  bucket      = var.artifact_bucket
  key         = local.s3_key
  source      = local.zip_path
  source_hash = var.artifact.source_code_hash
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = local.artifact_ok
      error_message = "Lambda artifact ${local.zip_path} ${local.artifact_hint}: run `make build`."
    }
  }
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:A dead-letter queue only applies to asynchronous invocations; stream consumers fail to the event source mapping's destination and async functions use the lambda-destinations module.
  #checkov:skip=CKV_AWS_117:VPC placement is the caller's choice (vpc_config); functions that only call public AWS APIs need none. The reference root runs both functions in private subnets.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is carved out of the account's regional pool; the caller sets reserved_concurrent_executions when it wants a cap.
  #checkov:skip=CKV_AWS_173:Environment variables are encrypted at rest with the AWS-managed key by default; kms_key_arn selects a customer key. They must never hold secrets (use Secrets Manager).
  #checkov:skip=CKV_AWS_272:Code integrity is enforced at plan time: the zip must match the SHA-256 in dist/manifest.json; code signing needs AWS Signer, which the build does not use.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional (tracing_mode = "Active") because it adds cost and permissions.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  package_type                   = "Zip"
  runtime                        = var.artifact.runtime
  handler                        = var.artifact.handler
  architectures                  = [var.artifact.architecture]
  filename                       = var.artifact.upload_via_s3 ? null : local.zip_path
  s3_bucket                      = var.artifact.upload_via_s3 ? var.artifact_bucket : null
  s3_key                         = var.artifact.upload_via_s3 ? aws_s3_object.artifact[0].key : null
  source_code_hash               = var.artifact.source_code_hash
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  layers                         = var.layers
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  publish                        = var.publish

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "logging_config" {
    for_each = var.logging_config == null ? [] : [var.logging_config]
    content {
      log_format = logging_config.value.log_format
      log_group  = aws_cloudwatch_log_group.this.name
      # With JSON, AWS applies INFO to a level left unset; writing it out keeps plans free of that drift.
      application_log_level = logging_config.value.log_format == "JSON" ? coalesce(logging_config.value.application_log_level, "INFO") : null
      system_log_level      = logging_config.value.log_format == "JSON" ? coalesce(logging_config.value.system_log_level, "INFO") : null
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.artifact_ok
      error_message = "Lambda artifact ${local.zip_path} ${local.artifact_hint}: run `make build`."
    }
  }

  # The log group must exist first (else Lambda creates one without retention), and the
  # role's permissions must be in place before event sources validate them.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

# Callers that name the alias run whichever version it points at; moving it is the deployment.
resource "aws_lambda_alias" "this" {
  count = var.alias_name == null ? 0 : 1

  name             = var.alias_name
  description      = "Version of ${var.function_name} that callers of the alias run"
  function_name    = aws_lambda_function.this.function_name
  function_version = coalesce(var.alias_function_version, aws_lambda_function.this.version)
}

resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = var.provisioned_concurrent_executions > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.this[0].function_name
  qualifier                         = aws_lambda_alias.this[0].name
  provisioned_concurrent_executions = var.provisioned_concurrent_executions
}
