"""Practicum session service: the partner-facing REST API (FastAPI)."""
