mock_provider "aws" {}

variables {
  artifact_root = "."
  layer_name    = "common"
  artifact = {
    kind             = "layer"
    path             = "tests/fixtures/layer.zip"
    source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
    runtime          = "python3.12"
    architecture     = "arm64"
  }
}

run "manifest_entry_becomes_a_layer_version" {
  command = plan

  assert {
    condition     = aws_lambda_layer_version.this.compatible_runtimes == toset(["python3.12"]) && aws_lambda_layer_version.this.compatible_architectures == toset(["arm64"])
    error_message = "compatible runtimes and architectures must come from the manifest entry"
  }
  assert {
    condition     = aws_lambda_layer_version.this.source_code_hash == "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk=" && aws_lambda_layer_version.this.filename == "./tests/fixtures/layer.zip"
    error_message = "the zip and its manifest hash must be published directly"
  }
  assert {
    condition     = length(aws_s3_object.artifact) == 0
    error_message = "small zips must not go through S3"
  }
}

run "large_zip_goes_through_s3" {
  command = plan

  variables {
    artifact = {
      kind             = "layer"
      path             = "tests/fixtures/layer.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
      upload_via_s3    = true
    }
    artifact_bucket = "artifacts"
  }

  assert {
    condition     = aws_lambda_layer_version.this.s3_bucket == "artifacts" && aws_lambda_layer_version.this.filename == null && aws_s3_object.artifact[0].source_hash == "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
    error_message = "upload_via_s3 must publish from the bucket"
  }
}

run "missing_zip_fails_plan" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/absent.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
    }
  }
  expect_failures = [aws_lambda_layer_version.this]
}

run "stale_zip_fails_plan" {
  command = plan
  variables {
    artifact = {
      path             = "tests/fixtures/layer.zip"
      source_code_hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
      runtime          = "python3.12"
      architecture     = "x86_64"
    }
  }
  expect_failures = [aws_lambda_layer_version.this]
}

run "function_entry_is_rejected" {
  command = plan
  variables {
    artifact = {
      kind             = "function"
      path             = "tests/fixtures/layer.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
    }
  }
  expect_failures = [var.artifact]
}

run "bad_layer_name_is_rejected" {
  command = plan
  variables {
    layer_name = "has space"
  }
  expect_failures = [var.layer_name]
}

run "invalid_description_is_rejected" {
  command = plan
  variables {
    description = format("%257s", "")
  }
  expect_failures = [var.description]
}

run "s3_upload_without_bucket_is_rejected" {
  command = plan
  variables {
    artifact = {
      kind             = "layer"
      path             = "tests/fixtures/layer.zip"
      source_code_hash = "b6KAEA+9A8hjq/tOoV+8PwZhQachnHe+5MRMgVwn1gk="
      runtime          = "python3.12"
      architecture     = "x86_64"
      upload_via_s3    = true
    }
  }
  expect_failures = [var.artifact_bucket]
}

run "blank_artifact_root_is_rejected" {
  command = plan

  variables {
    artifact_root = " "
  }

  expect_failures = [var.artifact_root]
}
