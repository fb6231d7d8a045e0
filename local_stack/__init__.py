"""The whole pipeline on one machine: AWS emulator, PostgreSQL, terraform apply, mapping runner."""
