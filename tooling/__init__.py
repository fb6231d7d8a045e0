"""Developer tooling shared by the Makefile, the tests and the local stack."""
