"""Stand-ins for what the pipeline runs on: moto server for AWS APIs, a throwaway PostgreSQL, Terraform."""
