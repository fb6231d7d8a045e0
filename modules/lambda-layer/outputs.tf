output "layer_version_arn" {
  description = "ARN of this layer version: what a function's layers list takes."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of the layer."
  value       = aws_lambda_layer_version.this.version
}

output "compatible_runtimes" {
  description = "Runtimes the layer declares, from the manifest."
  value       = aws_lambda_layer_version.this.compatible_runtimes
}

output "compatible_architectures" {
  description = "Architectures the layer declares, from the manifest."
  value       = aws_lambda_layer_version.this.compatible_architectures
}
