"""Bundled datasets with their provenance: origin, date, licence, attribution and the SHA-256 of each file."""
