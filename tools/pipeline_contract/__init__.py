"""The contracts between the parts, each with its only owner here.

- `manifest`: dist/manifest.json, written by build.py, read by Terraform, the plan checker and the local stack.
- `artifact_hash`: the zip hash (Terraform's filebase64sha256, Lambda's CodeSha256) the manifest records.
- `outputs`: the root module's outputs the local stack reads, and the `Deployment` they describe.
- `dead_letter`: the dead-letter queue's messages (inline, or a pointer to S3) as the tools read them.

tests/unit/pipeline_contract checks the Terraform side (the `artifact` types, the format version,
the output names) against these models, so a change that forgets Terraform fails there.
"""
