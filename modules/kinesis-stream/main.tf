resource "aws_kinesis_stream" "this" {
  #checkov:skip=CKV_AWS_185:Encryption is always on; the key is the caller's choice (kms_key_id), defaulting to the AWS-managed key so the module works without a key policy. The reference root passes a customer-managed key.
  name                      = var.name
  shard_count               = var.stream_mode == "PROVISIONED" ? var.shard_count : null
  retention_period          = var.retention_period
  shard_level_metrics       = var.shard_level_metrics
  encryption_type           = "KMS"
  kms_key_id                = var.kms_key_id
  enforce_consumer_deletion = var.enforce_consumer_deletion

  stream_mode_details {
    stream_mode = var.stream_mode
  }

  tags = var.tags
}

resource "aws_kinesis_stream_consumer" "this" {
  count = var.enhanced_fan_out_consumer_name == null ? 0 : 1

  name       = var.enhanced_fan_out_consumer_name
  stream_arn = aws_kinesis_stream.this.arn
}
