# No endpoints or credentials here: the standard AWS environment decides the account. This
# configuration keeps its own state in a local file (it creates the bucket every other state
# lives in); docs/remote-state.md shows how to move that file into the bucket afterwards.
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Purpose = "terraform-state" })
  }
}
