"""Evidence reports (HTML, PDF, JSON, CSV), reviewer statuses, report verification and case diffs.

Everything read from a case is hostile: the model (model.py) bounds and neutralises each value before any
output format sees it, and the templates autoescape what they print.
"""
