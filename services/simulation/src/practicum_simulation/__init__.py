"""Practicum simulation service: scenarios and the simulated client, served over gRPC."""
