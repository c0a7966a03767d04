"""The ground every layer stands on: settings (paths, environment) and the registry (zones, sources)."""
