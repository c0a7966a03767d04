"""Check suites, one module per table named `<schema>__<table>.py`, each defining SUITE."""

from __future__ import annotations

import importlib
import pkgutil

from checks.spec import Suite


def all_suites() -> list[Suite]:
    """Every suite in this package, in layer order (raw, intermediate, marts) and then by name."""
    layers = {"raw": 0, "intermediate": 1, "marts": 2}
    names = sorted(
        (m.name for m in pkgutil.iter_modules(__path__) if "__" in m.name),
        key=lambda n: (layers.get(n.split("__")[0], 9), n),
    )
    return [importlib.import_module(f"{__name__}.{n}").SUITE for n in names]
