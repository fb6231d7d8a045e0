data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id

  # dist/manifest.json is the only input from the build; a missing one is reported
  # by terraform_data.manifest with the fix, not as a JSON or file error.
  manifest_format = 1 # pipeline_contract.manifest.FORMAT_VERSION; a unit test keeps them equal
  manifest_file   = startswith(var.manifest_path, "/") ? var.manifest_path : "${path.module}/${var.manifest_path}"
  manifest        = try(jsondecode(file(local.manifest_file)), null)
  artifacts       = try(local.manifest.artifacts, {})
  required        = { stream_processor = "function", failure_handler = "function", common = "layer" }
  missing = sort([for name, kind in local.required : name
  if try(local.artifacts[name].kind, null) != kind])

  # Entries normalised to the manifest's entry type, every field converted to its type; an absent
  # entry becomes a stand-in whose zip does not exist, so the plan stops at the "run `make build`"
  # preconditions. tests/unit/pipeline_contract checks these fields against the Python model.
  artifact = { for name, kind in local.required : name => {
    kind             = tostring(kind)
    path             = try(tostring(local.artifacts[name].path), "dist/${name}.zip")
    source_code_hash = try(tostring(local.artifacts[name].source_code_hash), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    zipped_bytes     = try(tonumber(local.artifacts[name].zipped_bytes), 0)
    unzipped_bytes   = try(tonumber(local.artifacts[name].unzipped_bytes), 0)
    runtime          = try(tostring(local.artifacts[name].runtime), "python3.12")
    architecture     = try(tostring(local.artifacts[name].architecture), "x86_64")
    handler          = try(tostring(local.artifacts[name].handler), "app.handler")
    layers           = [for l in try(local.artifacts[name].layers, []) : tostring(l)]
    aws_services     = [for a in try(local.artifacts[name].aws_services, []) : tostring(a)]
    upload_via_s3    = try(tobool(local.artifacts[name].upload_via_s3), false)
  } }
  layer_artifacts = { for name, kind in local.required : name => local.artifact[name] if kind == "layer" }

  artifact_root = coalesce(var.artifact_root, path.module)

  # Zips the manifest marks upload_via_s3 go through var.artifact_bucket, else through the bucket
  # main.tf creates for them (only when there are some). Named through its encryption
  # configuration, so no zip is uploaded before the bucket encrypts with the pipeline key.
  s3_artifacts           = sort([for name, a in local.artifact : name if a.upload_via_s3])
  create_artifact_bucket = var.artifact_bucket == null && length(local.s3_artifacts) > 0
  artifact_bucket        = var.artifact_bucket != null ? var.artifact_bucket : one(aws_s3_bucket_server_side_encryption_configuration.artifacts[*].bucket)

  # Every AWS API the functions call needs an endpoint: they run in private subnets without NAT.
  gateway_services  = ["s3", "dynamodb"]
  endpoint_names    = { kinesis = "kinesis-streams" }
  function_services = distinct(flatten([for name in ["stream_processor", "failure_handler"] : local.artifact[name].aws_services]))
  interface_services = sort(distinct(concat(
    [for s in local.function_services : lookup(local.endpoint_names, s, s) if !contains(local.gateway_services, s)],
    var.extra_interface_endpoints,
  )))
  gateway_endpoints = sort(distinct(concat(["s3"], [for s in local.function_services : s if contains(local.gateway_services, s)])))

  db_port = 5432
}

resource "terraform_data" "manifest" {
  input = local.manifest_file

  lifecycle {
    precondition {
      condition     = local.manifest != null && try(local.manifest.format_version, null) == local.manifest_format && length(local.missing) == 0
      error_message = local.manifest == null ? "${local.manifest_file} is missing or not JSON: run `make build`." : "${local.manifest_file} (format ${try(local.manifest.format_version, "?")}) lacks ${join(", ", local.missing)} or is not format ${local.manifest_format}: run `make build`."
    }
  }
}
