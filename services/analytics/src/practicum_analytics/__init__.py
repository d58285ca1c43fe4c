"""Practicum analytics service: event-sourced skill-growth aggregates."""
