"""auditor: court-grade evidence of what an Android app does with personal data."""

__version__ = "0.1.0"
