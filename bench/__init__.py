"""Benchmarks, each printing a ratio against a named baseline; run as scripts, imported by nothing."""
