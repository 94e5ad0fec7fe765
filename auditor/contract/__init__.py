"""The findings contract: the typed shape of everything analysis decides and the report renders.

Analysis builds these records and writes them once (analysis/*.json); the report, `auditor diff` and the
rules read them back through the same models, so a field has one definition, one validation and one schema
(docs/*.schema.json, generated from these models by `python -m auditor.contract.schemas`).
"""
