"""crawlers package."""
