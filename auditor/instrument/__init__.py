"""Frida instrumentation: the compiled agent (agent.js), device selection, session lifecycle, hook message
validation, SDK attribution and planted values. `auditor instrument` is in commands.py."""
