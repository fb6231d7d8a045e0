output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts every object of the bucket."
  value       = aws_kms_key.state.arn
}

output "state_key" {
  description = "Object key of the state."
  value       = var.state_key
}

output "lock_key" {
  description = "Object key of the lock file Terraform writes while it holds the lock (use_lockfile)."
  value       = local.lock_key
}

output "backend_config" {
  description = "The S3 backend settings as a `*.s3.tfbackend` file: the CI variable TF_STATE_BACKEND_CONFIG, or `terraform init -backend-config=FILE` (docs/remote-state.md)."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.state.bucket}"
    key          = "${var.state_key}"
    region       = "${local.region}"
    encrypt      = true
    kms_key_id   = "${aws_kms_key.state.arn}"
    use_lockfile = true
  EOT
}

output "reader_policy_arn" {
  description = "IAM policy for `terraform plan` (the CI plan role): list the bucket, read the state, write and delete the lock file, use the key through S3."
  value       = aws_iam_policy.reader.arn
}

output "reader_policy_json" {
  description = "The reader policy's document."
  value       = aws_iam_policy.reader.policy
}

output "writer_policy_arn" {
  description = "IAM policy for `terraform apply`: the reader's permissions plus writing the state, as the S3 backend documents them."
  value       = aws_iam_policy.writer.arn
}

output "writer_policy_json" {
  description = "The writer policy's document."
  value       = aws_iam_policy.writer.policy
}
