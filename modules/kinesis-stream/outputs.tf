output "stream_arn" {
  description = "ARN of the stream (grant reads on it; use it as the event source without fan-out)."
  value       = aws_kinesis_stream.this.arn
}

output "stream_name" {
  description = "Name of the stream."
  value       = aws_kinesis_stream.this.name
}

output "stream_id" {
  description = "Id of the stream (same as the ARN)."
  value       = aws_kinesis_stream.this.id
}

output "kms_key_id" {
  description = "KMS key that encrypts the stream, as passed in."
  value       = aws_kinesis_stream.this.kms_key_id
}

output "stream_mode" {
  description = "Capacity mode of the stream."
  value       = var.stream_mode
}

output "consumer_arn" {
  description = "ARN of the enhanced fan-out consumer, or null when none was requested."
  value       = one(aws_kinesis_stream_consumer.this[*].arn)
}

output "event_source_arn" {
  description = "ARN a Lambda event source mapping should read from: the fan-out consumer when there is one, else the stream."
  value       = coalesce(one(aws_kinesis_stream_consumer.this[*].arn), aws_kinesis_stream.this.arn)
}
