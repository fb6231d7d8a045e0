"""Running the Terraform CLI the same way everywhere: provider discovery, module README tables."""
