"""Shared building blocks of the Practicum services (no business logic lives here)."""
