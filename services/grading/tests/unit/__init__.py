"""Unit tests of the grading domain (a package so that helpers import relatively)."""
