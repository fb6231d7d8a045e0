locals {
  zip_path = "${var.artifact_root}/${var.artifact.path}"
  # try(): a missing zip must reach the precondition's message, not a function error.
  zip_hash      = try(filebase64sha256(local.zip_path), null)
  artifact_ok   = local.zip_hash == var.artifact.source_code_hash
  artifact_hint = local.zip_hash == null ? "is missing" : "differs from the source_code_hash in dist/manifest.json"
  s3_key        = "lambda-layers/${var.layer_name}/${replace(replace(var.artifact.source_code_hash, "/", "_"), "+", "-")}.zip"
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
      error_message = "Lambda layer artifact ${local.zip_path} ${local.artifact_hint}: run `make build`."
    }
  }
}

resource "aws_lambda_layer_version" "this" {
  layer_name               = var.layer_name
  description              = var.description
  filename                 = var.artifact.upload_via_s3 ? null : local.zip_path
  s3_bucket                = var.artifact.upload_via_s3 ? var.artifact_bucket : null
  s3_key                   = var.artifact.upload_via_s3 ? aws_s3_object.artifact[0].key : null
  source_code_hash         = var.artifact.source_code_hash
  compatible_runtimes      = [var.artifact.runtime]
  compatible_architectures = [var.artifact.architecture]
  skip_destroy             = var.skip_destroy

  lifecycle {
    precondition {
      condition     = local.artifact_ok
      error_message = "Lambda layer artifact ${local.zip_path} ${local.artifact_hint}: run `make build`."
    }
  }
}
