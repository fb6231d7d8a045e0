"""The contracts between the parts: the build's manifest, the zip hash, the Terraform outputs tools read."""
