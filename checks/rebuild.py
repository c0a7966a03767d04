"""The rebuild check: a warehouse rebuilt from the landing files alone (a fresh load of every night, then a
full-refresh transform) must hold the same marts, row for row, as the warehouse built night by night. A
difference means a model depends on the order or the moment of loading, not on the data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.publish import quote_literal

# marts.alerts is built night by night from each night's marts (when an alert opened and resolved is its
# history), so a one-night rebuild cannot have it; every other mart is a function of the landed data.
HISTORY_MARTS = frozenset({"alerts"})


@dataclass(frozen=True)
class MartDifference:
    """One mart compared: rows only in the night-by-night warehouse, rows only in the rebuild, and one of
    each as an example (None when there is none)."""

    mart: str
    rows: int
    only_incremental: int
    only_rebuilt: int
    example_incremental: str | None = None
    example_rebuilt: str | None = None

    @property
    def same(self) -> bool:
        return self.only_incremental == 0 and self.only_rebuilt == 0

    def describe(self) -> str:
        if self.same:
            return f"marts.{self.mart}: {self.rows:,} rows, the same"
        return (
            f"marts.{self.mart}: {self.only_incremental:,} row(s) only night by night "
            f"(e.g. {self.example_incremental}), {self.only_rebuilt:,} only in the rebuild "
            f"(e.g. {self.example_rebuilt})"
        )


def compare_marts(incremental: Path, rebuilt: Path) -> list[MartDifference]:
    """Compare every mart of two warehouse files (multiset difference in DuckDB, both sides read-only); a
    mart missing on one side counts all its rows as differing."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {quote_literal(str(incremental))} as inc (read_only)")
        con.execute(f"attach {quote_literal(str(rebuilt))} as reb (read_only)")
        marts = {
            side: {
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'",
                    [side],
                ).fetchall()
            }
            - HISTORY_MARTS
            for side in ("inc", "reb")
        }
        found = []
        for mart in sorted(marts["inc"] | marts["reb"]):
            found.append(_compare(con, mart, mart in marts["inc"], mart in marts["reb"]))
        return found
    finally:
        con.close()


def _compare(con: duckdb.DuckDBPyConnection, mart: str, in_inc: bool, in_reb: bool) -> MartDifference:
    def count(side: str) -> int:
        return con.execute(f"select count(*) from {side}.marts.{mart}").fetchone()[0]

    if not (in_inc and in_reb):
        return MartDifference(
            mart, 0, count("inc") if in_inc else 0, count("reb") if in_reb else 0, "(no such mart)"
        )
    columns = {
        side: con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = "
            "'marts' and table_name = ? order by column_index",
            [side, mart],
        ).fetchall()
        for side in ("inc", "reb")
    }
    if columns["inc"] != columns["reb"]:
        return MartDifference(mart, count("inc"), count("inc"), count("reb"), "(its columns differ)", None)
    only = {}
    for side, other in (("inc", "reb"), ("reb", "inc")):
        diff = f"select * from {side}.marts.{mart} except all select * from {other}.marts.{mart}"
        n = con.execute(f"select count(*) from ({diff})").fetchone()[0]
        example = con.execute(f"{diff} limit 1").fetchone() if n else None
        only[side] = (n, str(example)[:300] if example else None)
    return MartDifference(mart, count("inc"), only["inc"][0], only["reb"][0], only["inc"][1], only["reb"][1])
