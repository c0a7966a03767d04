"""The scheduler's workflow files, one per file, named by their id (a package only so the import contract sees them)."""
