"""Spiders: one generic, selector-driven spider for every html source."""
