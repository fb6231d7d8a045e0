"""Plan checks: rules over `terraform show -json` plus dist/manifest.json that a per-resource scanner cannot see."""
