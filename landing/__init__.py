"""The landing contract: what collectors write and the loader reads (schemas, keys, files, state)."""
