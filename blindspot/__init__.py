"""blindspot package."""
