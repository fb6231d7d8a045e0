"""Terraform from Python: environment and provider discovery, the one runner, staged root-module copies, module README tables."""
