variable "layer_name" {
  description = "Name of the layer (1-64 characters: letters, digits, '-', '_')."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.layer_name))
    error_message = "layer_name must be 1-64 characters of letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "Description of the layer version (at most 256 characters)."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "artifact" {
  description = "One layer entry of dist/manifest.json (written by `make build`): zip path relative to artifact_root, its base64 SHA-256, runtime, architecture and whether it must go through S3. `handler`, `layers` and `aws_services` are null or empty for layers and unused here."
  type = object({
    kind             = optional(string, "layer")
    path             = string
    source_code_hash = string
    zipped_bytes     = optional(number)
    unzipped_bytes   = optional(number)
    runtime          = string
    architecture     = string
    handler          = optional(string)
    layers           = optional(list(string), [])
    aws_services     = optional(list(string), [])
    upload_via_s3    = optional(bool, false)
  })

  validation {
    condition     = var.artifact.kind == "layer"
    error_message = "artifact must be a manifest entry of kind \"layer\"; functions go to the lambda-function module."
  }
  validation {
    condition     = contains(["x86_64", "arm64"], var.artifact.architecture)
    error_message = "artifact.architecture must be x86_64 or arm64."
  }
  validation {
    condition     = can(regex("^(python3\\.(9|1[0-3])|nodejs(18|20|22)\\.x|java(8\\.al2|11|17|21)|dotnet8|ruby3\\.[2-4]|provided\\.al2(023)?)$", var.artifact.runtime))
    error_message = "artifact.runtime must be a Lambda runtime AWS still accepts (e.g. python3.12)."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.artifact.source_code_hash))
    error_message = "artifact.source_code_hash must be a base64 SHA-256 (44 characters) as filebase64sha256 computes it; run make build."
  }
}

variable "artifact_root" {
  description = "Directory that artifact.path is relative to: the one holding the dist/ that `make build` wrote (e.g. path.root of the configuration that builds). Required, so the module never assumes where it is installed (a registry download lives under .terraform/modules/)."
  type        = string

  validation {
    condition     = length(trimspace(var.artifact_root)) > 0
    error_message = "artifact_root must name the directory that holds dist/, e.g. path.root when dist/ is next to your root module."
  }
}

variable "artifact_bucket" {
  description = "Existing S3 bucket for the zip when artifact.upload_via_s3 is true. Required in that case."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_bucket != null || !var.artifact.upload_via_s3
    error_message = "artifact_bucket is required because the manifest says this zip is over 50 MB (upload_via_s3 = true)."
  }
}

variable "skip_destroy" {
  description = "Keep old layer versions when a new one replaces them (functions pinned to them keep working)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the S3 object of large layers (layer versions themselves take no tags)."
  type        = map(string)
  default     = {}
}
