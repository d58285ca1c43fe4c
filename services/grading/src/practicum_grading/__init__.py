"""Practicum grading service: codes every trainee turn and writes session reports."""
