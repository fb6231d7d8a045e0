# Plans with a mocked AWS provider (the mocked values known at plan time; apply would end in a
# destroy that prevent_destroy refuses): what the bootstrap creates and the two policies' exact
# contents. tests/integration/consumers/test_remote_state.py applies it on the emulator and uses it
# as a real S3 backend.
mock_provider "aws" {
  override_during = plan

  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "111122223333" }
  }
  override_data {
    target = data.aws_region.current
    values = { id = "eu-west-1", name = "eu-west-1" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::terraform-state-111122223333-eu-west-1" }
  }
}

variables {
  region = "eu-west-1"
}

run "defaults_make_a_versioned_kms_encrypted_private_tls_only_bucket" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "terraform-state-111122223333-eu-west-1" && !aws_s3_bucket.state.force_destroy
    error_message = "the default bucket name must be terraform-state-<account>-<region>, never force-destroyed"
  }
  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "the state bucket must be versioned"
  }
  assert {
    condition = (one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    && one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).kms_master_key_id == aws_kms_key.state.arn)
    error_message = "objects must be encrypted with the bootstrap's own KMS key by default"
  }
  assert {
    condition     = aws_kms_key.state.enable_key_rotation && aws_kms_key.state.deletion_window_in_days == 30
    error_message = "the key must rotate and wait 30 days before deletion by default"
  }
  assert {
    condition = alltrue([aws_s3_bucket_public_access_block.state.block_public_acls, aws_s3_bucket_public_access_block.state.block_public_policy,
    aws_s3_bucket_public_access_block.state.ignore_public_acls, aws_s3_bucket_public_access_block.state.restrict_public_buckets])
    error_message = "every public access block setting must be on"
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.state.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled"
  }
  assert {
    condition = jsondecode(aws_s3_bucket_policy.state.policy).Statement == [{
      Sid       = "DenyInsecureTransport", Effect = "Deny", Principal = "*", Action = "s3:*"
      Resource  = ["arn:aws:s3:::terraform-state-111122223333-eu-west-1", "arn:aws:s3:::terraform-state-111122223333-eu-west-1/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "the bucket policy must deny every request not made over TLS, and do nothing else"
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "superseded state versions must be kept 90 days by default"
  }
  assert {
    condition     = output.lock_key == "kinesis-lambda-pipeline/terraform.tfstate.tflock"
    error_message = "the lock file is the state key + .tflock"
  }
  assert {
    condition = output.backend_config == join("\n", [
      "bucket       = \"terraform-state-111122223333-eu-west-1\"",
      "key          = \"kinesis-lambda-pipeline/terraform.tfstate\"",
      "region       = \"eu-west-1\"",
      "encrypt      = true",
      "kms_key_id   = \"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\"",
      "use_lockfile = true",
      "",
    ])
    error_message = "backend_config must name the bucket, state key, region and KMS key and turn on encryption and the lock file"
  }
}

run "reader_policy_reads_the_state_and_holds_the_lock_only" {
  command = plan

  assert {
    condition = jsondecode(output.reader_policy_json).Statement == [
      { Sid = "ListStateBucket", Effect = "Allow", Action = "s3:ListBucket", Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1" },
      { Sid = "ReadState", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1/kinesis-lambda-pipeline/terraform.tfstate" },
      { Sid = "HoldLock", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1/kinesis-lambda-pipeline/terraform.tfstate.tflock" },
      { Sid      = "StateKeyThroughS3", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      Condition = { StringEquals = { "kms:ViaService" = "s3.eu-west-1.amazonaws.com" } } },
    ]
    error_message = "the reader policy must allow exactly: list the bucket, read the state, get/put/delete the lock file, decrypt and generate data keys through S3"
  }
}

run "writer_policy_is_the_s3_backends_documented_set" {
  command = plan

  assert {
    condition = jsondecode(output.writer_policy_json).Statement == [
      { Sid = "ListStateBucket", Effect = "Allow", Action = "s3:ListBucket", Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1" },
      { Sid = "ReadWriteState", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"],
      Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1/kinesis-lambda-pipeline/terraform.tfstate" },
      { Sid = "HoldLock", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource = "arn:aws:s3:::terraform-state-111122223333-eu-west-1/kinesis-lambda-pipeline/terraform.tfstate.tflock" },
      { Sid      = "StateKeyThroughS3", Effect = "Allow", Action = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      Condition = { StringEquals = { "kms:ViaService" = "s3.eu-west-1.amazonaws.com" } } },
    ]
    error_message = "the writer policy must allow exactly the S3 backend's documented actions (no s3:DeleteObject on the state)"
  }
}

run "own_bucket_name_key_and_retention" {
  command = plan

  variables {
    bucket_name                       = "acme-tfstate"
    state_key                         = "pipelines/clicks.tfstate"
    noncurrent_version_retention_days = 30
    kms_key_deletion_window_in_days   = 7
  }

  assert {
    condition     = aws_s3_bucket.state.bucket == "acme-tfstate" && aws_kms_alias.state.name == "alias/acme-tfstate"
    error_message = "the bucket (and the key's alias) must take the given name"
  }
  assert {
    condition     = aws_iam_policy.reader.name == "acme-tfstate-reader" && aws_iam_policy.writer.name == "acme-tfstate-writer"
    error_message = "the policies are named after the bucket"
  }
  assert {
    condition     = jsondecode(aws_iam_policy.reader.policy).Statement[1].Resource == "arn:aws:s3:::acme-tfstate/pipelines/clicks.tfstate"
    error_message = "the policies must name the given state key"
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[0].noncurrent_days == 30 && aws_kms_key.state.deletion_window_in_days == 7
    error_message = "retention and deletion window must take the given values"
  }
}

run "region_must_be_a_region_name" {
  command = plan
  variables { region = "Europe" }
  expect_failures = [var.region]
}

run "bucket_name_with_dots_is_rejected" {
  command = plan
  variables { bucket_name = "acme.tfstate" }
  expect_failures = [var.bucket_name]
}

run "bucket_name_with_reserved_suffix_is_rejected" {
  command = plan
  variables { bucket_name = "acme-tfstate-s3alias" }
  expect_failures = [var.bucket_name]
}

run "state_key_with_leading_slash_is_rejected" {
  command = plan
  variables { state_key = "/pipelines/clicks.tfstate" }
  expect_failures = [var.state_key]
}

run "state_key_with_double_slash_is_rejected" {
  command = plan
  variables { state_key = "pipelines//clicks.tfstate" }
  expect_failures = [var.state_key]
}

run "state_key_ending_like_a_lock_file_is_rejected" {
  command = plan
  variables { state_key = "pipelines/clicks.tflock" }
  expect_failures = [var.state_key]
}

run "retention_of_zero_days_is_rejected" {
  command = plan
  variables { noncurrent_version_retention_days = 0 }
  expect_failures = [var.noncurrent_version_retention_days]
}

run "deletion_window_outside_7_to_30_is_rejected" {
  command = plan
  variables { kms_key_deletion_window_in_days = 45 }
  expect_failures = [var.kms_key_deletion_window_in_days]
}
