"""The shape of a check suite: frames fetched from DuckDB by SQL, and the GX expectations each must meet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Params:
    """What a suite may depend on besides the data: the run date and the registry's known ids."""

    run_date: date
    zone_ids: tuple[str, ...]
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One GX expectation by its snake_case name, with its kwargs, whether it blocks, and what it means."""

    expectation: str
    meaning: str
    blocking: bool = True
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        """The column the rule is about (for pair and compound rules, the columns joined by commas)."""
        for key in ("column", "column_A"):
            if key in self.kwargs:
                other = self.kwargs.get("column_B")
                return f"{self.kwargs[key]},{other}" if other else self.kwargs[key]
        if "column_list" in self.kwargs:
            return ",".join(self.kwargs["column_list"])
        return None


def expect(expectation: str, meaning: str, *, blocking: bool = True, **kwargs: Any) -> Rule:
    """Shorthand for a Rule; kwargs go to the GX expectation as they are."""
    return Rule(expectation, meaning, blocking, kwargs)


@dataclass(frozen=True)
class Frame:
    """One batch for GX: a SELECT with `$run_date` bound, the key columns for failing samples, and the rules."""

    name: str
    sql: str
    key: tuple[str, ...]
    rules: Callable[[Params], list[Rule]]


@dataclass(frozen=True)
class Suite:
    """The expectations on one table: `name` is `<schema>__<table>`, as the module is named."""

    table: str
    frames: tuple[Frame, ...]

    @property
    def name(self) -> str:
        return self.table.replace(".", "__")


def known_source(p: Params) -> Rule:
    """A row's source_id is in the registry (a warning: a source removed from the config keeps its history)."""
    return expect(
        "expect_column_values_to_be_in_set",
        "source_id is in the registry",
        blocking=False,
        column="source_id",
        value_set=list(p.source_ids),
    )


def known_zone(p: Params, column: str, meaning: str) -> Rule:
    """A row's zone column names a zone in the registry."""
    return expect("expect_column_values_to_be_in_set", meaning, column=column, value_set=list(p.zone_ids))
