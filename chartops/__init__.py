"""Tooling for the chart suite."""
