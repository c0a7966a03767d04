"""Runs the SQL models (staging -> intermediate -> marts) and the Python enrichment, in dependency order."""

from __future__ import annotations

import importlib
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from core.registry import Registry
from transforms import incremental
from transforms.incremental import State
from transforms.params import load_metrics
from warehouse.connect import rollback

log = logging.getLogger(__name__)
ROOT = Path(__file__).parent
LAYERS = ("staging", "intermediate", "marts")
REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.([a-z_0-9]+)\b")
# A leading comment line such as `-- materialized: incremental` configures the model.
HEADER = re.compile(r"^--\s*(materialized|unique_key|chunk_items|joins):\s*(\S+)\s*$", re.MULTILINE)
# `-- joins: as_written`: every hash join builds its table on the right-hand input as the model writes it.
# Under a chunk filter the optimizer misjudged sizes and built on the wide left side (the whole chunk's rows
# with their text, even for a 42-row dimension): slower, and the memory that forced small chunks.
AS_WRITTEN = "build_side_probe_side"
# Staging models are views (rename, cast, normalise); the later layers are tables unless they say otherwise.
MATERIALISATION = {"staging": "view", "intermediate": "table", "marts": "table"}
KINDS = frozenset({"view", "table", "incremental"})


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    sql: str | None  # None for a Python model (a .py file in the layer's folder)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def config(self) -> dict[str, str]:
        return dict(HEADER.findall(self.sql or ""))

    @property
    def materialized(self) -> str:
        kind = self.config.get("materialized", MATERIALISATION[self.schema])
        if kind not in KINDS:
            raise ValueError(f"{self.relation}: materialized must be one of {sorted(KINDS)}, not {kind!r}")
        return kind

    @property
    def joins(self) -> str | None:
        joins = self.config.get("joins")
        if joins not in (None, "as_written"):
            raise ValueError(f"{self.relation}: joins must be as_written when given, not {joins!r}")
        return joins

    @property
    def chunk_items(self) -> int:
        """Items per chunk of a full build: `-- chunk_items: N`, else incremental.CHUNK_ITEMS; 0 builds the
        model in one statement (a model that ranks every row of a key in one pass over a narrow table)."""
        value = self.config.get("chunk_items", str(incremental.CHUNK_ITEMS))
        if not value.isdigit():
            raise ValueError(f"{self.relation}: chunk_items must be a whole number of items, not {value!r}")
        return int(value)

    @property
    def unique_key(self) -> str | None:
        return self.config.get("unique_key")

    @property
    def is_tracked(self) -> bool:
        """Item-grain models whose progress through the loaded items is recorded (incremental state)."""
        return (self.sql is None and not self.reads) or self.materialized == "incremental"

    @property
    def reads(self) -> tuple[str, ...]:
        """A Python model that rebuilds its table whole each time names what it reads in READS; the
        enrichment model (no READS) works through the loaded items instead."""
        return tuple(getattr(python_module(self.schema, self.name), "READS", ())) if self.sql is None else ()

    def references(self) -> set[str]:
        if self.reads:
            return set(self.reads)
        body = self.sql or ""
        return {f"{s}.{n}" for s, n in REFERENCE.findall(body)} - {self.relation}


@dataclass
class TransformSummary:
    run_date: date
    models: dict[str, float] = field(default_factory=dict)  # relation -> seconds
    modes: dict[str, str] = field(default_factory=dict)  # incremental models: full, incremental or unchanged


def discover(root: Path = ROOT) -> dict[str, Model]:
    """Every model of the layers: one per .sql file, and one per .py file that defines `build`.

    A .py file without `build` is a table that a Python model writes and names in its PROVIDES.
    """
    models = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            model = Model(layer, path.stem, path.read_text(encoding="utf-8"))
            models[model.relation] = model
        for name in python_models(layer):
            models[f"{layer}.{name}"] = Model(layer, name, None)
    return models


def python_module(layer: str, name: str):  # noqa: ANN201 (a module)
    return importlib.import_module(f"transforms.{layer}.{name}")


@cache
def python_models(layer: str) -> tuple[str, ...]:
    """The Python models of a layer's folder (files that define `build`), checked to be complete."""
    files = sorted(p.stem for p in (ROOT / layer).glob("*.py") if not p.stem.startswith("_"))
    modules = {name: python_module(layer, name) for name in files}
    found = [name for name, module in modules.items() if hasattr(module, "build")]
    provided = {r for name in found for r in modules[name].PROVIDES}
    orphans = [name for name in files if name not in found and f"{layer}.{name}" not in provided]
    if orphans:
        raise ValueError(f"transforms/{layer}/{orphans[0]}.py defines no build() and no model PROVIDES it")
    return tuple(found)


def _provider(relation: str) -> str:
    """The model that builds a relation: itself, or the Python model that writes it."""
    for layer in LAYERS:
        for name in python_models(layer):
            if relation in python_module(layer, name).PROVIDES:
                return f"{layer}.{name}"
    return relation


def dependencies(models: dict[str, Model]) -> dict[str, set[str]]:
    """Each model's direct upstream models; Python models come after staging."""
    graph: dict[str, set[str]] = {}
    for relation, model in models.items():
        deps = {_provider(r) for r in model.references()} & set(models)
        if model.sql is None and not model.reads:
            deps |= {r for r in models if r.startswith("staging.")}
        graph[relation] = deps
    return graph


def ordered(models: dict[str, Model]) -> list[Model]:
    """Topological order over `schema.table` references."""
    return [models[r] for r in TopologicalSorter(dependencies(models)).static_order()]


def descendants(graph: dict[str, set[str]], relation: str) -> set[str]:
    found: set[str] = set()
    frontier = {relation}
    while frontier:
        frontier = {r for r, deps in graph.items() if deps & frontier} - found
        found |= frontier
    return found


def select(models: list[Model], selected: list[str] | None) -> list[Model]:
    if not selected:
        return models
    wanted = {s if "." in s else next((m.relation for m in models if m.name == s), s) for s in selected}
    unknown = wanted - {m.relation for m in models}
    if unknown:
        raise KeyError(f"unknown model(s): {', '.join(sorted(unknown))}")
    return [m for m in models if m.relation in wanted]


def build(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    run_date: date,
    selected: list[str] | None = None,
    full_refresh: bool = False,
    params: Mapping[str, object] | None = None,
) -> TransformSummary:
    """Build every model (or the selected ones) for `run_date`; each model is its own transaction.

    `params` are bound into the models beside the run date and metrics.yml's (the caller's settings that
    models show, e.g. alert_warm_up_days in dim_zones).
    """
    models = discover()
    run = _Build(con, registry, models, dependencies(models), full_refresh, TransformSummary(run_date))
    run.available = (
        {"run_date": run_date} | load_metrics(registry.config_dir).sql_params() | dict(params or {})
    )
    incremental.prepare(con)
    try:
        for model in select(ordered(models), selected):
            run.model(model)
    finally:
        incremental.drop_scratch(con, run.made)
    return run.summary


@dataclass
class _Build:
    """One build: the models, their graph, the bound parameters, and the scope tables derived so far."""

    con: duckdb.DuckDBPyConnection
    registry: Registry
    models: dict[str, Model]
    graph: dict[str, set[str]]
    full_refresh: bool
    summary: TransformSummary
    available: dict = field(default_factory=dict)
    made: set[tuple] = field(default_factory=set)

    def model(self, model: Model) -> None:
        """Build one model in its own transaction."""
        con, started = self.con, time.perf_counter()
        restore = _joins_as_written(con) if model.joins == "as_written" else None
        con.execute("begin transaction")
        try:
            if model.reads:
                python_module(model.schema, model.name).build(con, self.registry)
                rebuilt = False
            elif model.sql is None:
                rebuilt = _enrich(con, model, self.registry, self.full_refresh)
            elif model.materialized == "incremental":
                mode = _incremental(con, model, self)
                self.summary.modes[model.relation] = mode
                rebuilt = mode == "full"
            else:
                _plain(con, model, self.available)
                rebuilt = False
            if rebuilt:
                tracked = {r for r, m in self.models.items() if m.is_tracked}
                incremental.forget(con, descendants(self.graph, model.relation) & tracked)
            con.execute("commit")
        except BaseException as exc:
            rollback(con, exc)
            self.made.clear()  # the rollback took this model's scope tables with it
            raise
        finally:
            if restore is not None:  # the connection's own setting, as it was before this model
                con.execute("set disabled_optimizers = $names", {"names": restore})
        self.summary.models[model.relation] = time.perf_counter() - started


def _joins_as_written(con: duckdb.DuckDBPyConnection) -> str:
    """Disable the optimizer that picks hash-join build sides; returns the setting to restore afterwards."""
    current = con.execute("select current_setting('disabled_optimizers')").fetchone()[0] or ""
    names = {n.strip() for n in current.split(",") if n.strip()} | {AS_WRITTEN}
    con.execute("set disabled_optimizers = $names", {"names": ",".join(sorted(names))})
    return current


def _params(body: str, available: dict) -> dict | None:
    return {k: v for k, v in available.items() if f"${k}" in body} or None


def _plain(con: duckdb.DuckDBPyConnection, model: Model, available: dict) -> None:
    body = model.sql.strip().rstrip(";")
    if model.materialized == "view":
        con.execute(f"create or replace view {model.relation} as {body}")
    else:
        con.execute(f"create or replace table {model.relation} as {body}", _params(body, available))


def _enrich(con: duckdb.DuckDBPyConnection, model: Model, registry: Registry, full_refresh: bool) -> bool:
    """The Python model enriches every item not yet enriched, so it has taken in all items loaded so far;
    returns whether it enriched every item again (then the models below it rebuild in full)."""
    until = incremental.newest_load(con)
    module = python_module(model.schema, model.name)
    rebuilt = full_refresh or module.is_stale(con, registry)
    module.build(con, registry, rebuilt)
    incremental.write_state(con, model.relation, State(until, incremental.count_through(con, until), ""))
    return rebuilt


def _incremental(con: duckdb.DuckDBPyConnection, model: Model, run: _Build) -> str:
    """Merge what new items change, or rebuild in full; returns full, incremental or unchanged."""
    models, relation = run.models, model.relation
    key = incremental.check_key(relation, model.unique_key)
    body = model.sql.strip().rstrip(";")
    params = _params(body, run.available) or {}
    upstream = {r for r in run.graph[relation] if models[r].is_tracked}
    inputs = {_provider(r) for r in model.references()} - upstream
    views = {r: models[r].sql for r in inputs & incremental.ITEM_GRAIN_VIEWS}
    fingerprint = incremental.fingerprint(con, body, params, inputs - set(views), views)
    until = _upstream_watermark(con, upstream)
    state = incremental.read_state(con, relation)
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = $s and table_name = $t",
        {"s": model.schema, "t": model.name},
    ).fetchone()[0]
    reason = incremental.full_reason(state, until, fingerprint, run.full_refresh, bool(exists))
    if reason is None and incremental.count_through(con, state.watermark) != state.items:
        reason = "items arrived out of load order or were removed"
    if reason is None:
        new = incremental.merge(con, relation, key, body, params, (state.watermark, until), run.made)
        if new is None:
            reason = "its upstream models were merged in an earlier build"
        else:
            items, mode = state.items + new, "incremental" if new else "unchanged"
    if reason is not None:
        log.info("%s: full build (%s)", relation, reason)
        items = incremental.count_through(con, until) if until else 0
        incremental.rebuild(con, relation, body, params, items, key, model.chunk_items)
        mode = "full"
    incremental.write_state(con, relation, State(until, items, fingerprint) if until else None)
    return mode


def _upstream_watermark(con: duckdb.DuckDBPyConnection, upstream: set[str]):  # noqa: ANN202
    """The load time every upstream item-grain model has reached; None when they disagree or have none."""
    if not upstream:
        return incremental.newest_load(con)
    marks = {incremental.read_state(con, r) for r in upstream}
    watermarks = {m.watermark if m else None for m in marks}
    return watermarks.pop() if len(watermarks) == 1 else None
