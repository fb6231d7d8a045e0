# The S3 bucket that holds Terraform state for CI and for whoever applies, and the two IAM
# policies that use it (docs/remote-state.md):
#   - the state is versioned (every apply leaves the previous state restorable), encrypted with a
#     KMS key of its own (SSE-KMS), reachable over TLS only, never public;
#   - locking is Terraform's S3-native lock file (`use_lockfile = true`: a "<key>.tflock" object
#     written with a conditional PutObject), so there is no DynamoDB table;
#   - reader: what `terraform plan` in CI needs (read the state, hold the lock while planning);
#     writer: what `terraform apply` needs (also write the state). Both are the S3 backend's
#     documented actions, on the state and lock objects only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.id
  bucket_name = coalesce(var.bucket_name, "terraform-state-${local.account_id}-${local.region}")

  bucket_arn = "arn:${local.partition}:s3:::${local.bucket_name}"
  state_arn  = "${local.bucket_arn}/${var.state_key}"
  lock_key   = "${var.state_key}.tflock"
  lock_arn   = "${local.bucket_arn}/${local.lock_key}"

  # The S3 backend calls only S3; S3 calls KMS on the caller's behalf (GenerateDataKey to write,
  # Decrypt to read), so the key may be used through S3 alone.
  through_s3 = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }

  reader_policy = {
    Version = "2012-10-17"
    Statement = [
      { Sid = "ListStateBucket", Effect = "Allow", Action = "s3:ListBucket", Resource = local.bucket_arn },
      { Sid = "ReadState", Effect = "Allow", Action = "s3:GetObject", Resource = local.state_arn },
      { Sid = "HoldLock", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = local.lock_arn },
      { Sid = "StateKeyThroughS3", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = aws_kms_key.state.arn, Condition = local.through_s3 },
    ]
  }
  writer_policy = {
    Version = "2012-10-17"
    Statement = [
      { Sid = "ListStateBucket", Effect = "Allow", Action = "s3:ListBucket", Resource = local.bucket_arn },
      { Sid = "ReadWriteState", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = local.state_arn },
      { Sid = "HoldLock", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = local.lock_arn },
      { Sid = "StateKeyThroughS3", Effect = "Allow", Action = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource = aws_kms_key.state.arn, Condition = local.through_s3 },
    ]
  }
}

# --- encryption ----------------------------------------------------------------

resource "aws_kms_key" "state" {
  description             = "Terraform state in s3://${local.bucket_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  # Who may use the key is decided by IAM policies (such as the two below), as for any key whose
  # policy delegates to the account.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountManagesKeyThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  lifecycle {
    prevent_destroy = true # without it, no state version can be read again
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${local.bucket_name}"
  target_key_id = aws_kms_key.state.key_id
}

# --- bucket --------------------------------------------------------------------

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second, log-receiving bucket; state reads and writes are S3 data events that CloudTrail records where the account enables them.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice with its own cost; versioning already keeps every earlier state in this region.
  #checkov:skip=CKV2_AWS_62:Nothing consumes state events; Terraform reads the state when it runs.
  bucket        = local.bucket_name
  force_destroy = false

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off: the bucket's policies alone decide access
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true # one KMS request per bucket key, not per object
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  # Every operation writes and deletes the lock file, and every apply supersedes the state: keep
  # superseded versions for the recovery window, then let S3 remove them and the delete markers
  # left behind.
  rule {
    id     = "expire-superseded-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- access --------------------------------------------------------------------

resource "aws_iam_policy" "reader" {
  name        = "${local.bucket_name}-reader"
  description = "terraform plan with s3://${local.bucket_name}/${var.state_key}: read the state, hold its lock file"
  policy      = jsonencode(local.reader_policy)
}

resource "aws_iam_policy" "writer" {
  name        = "${local.bucket_name}-writer"
  description = "terraform apply with s3://${local.bucket_name}/${var.state_key}: read and write the state, hold its lock file"
  policy      = jsonencode(local.writer_policy)
}
