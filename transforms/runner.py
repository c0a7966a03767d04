"""Runs the SQL models (staging -> intermediate -> marts) and the Python enrichment, in dependency order."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from blindspot.registry import Registry
from transforms import enrich
from transforms.params import load_metrics

log = logging.getLogger(__name__)
ROOT = Path(__file__).parent
LAYERS = ("staging", "intermediate", "marts")
REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.([a-z_0-9]+)\b")
# Staging models are views (rename, cast, normalise); the later layers are tables.
MATERIALISATION = {"staging": "view", "intermediate": "table", "marts": "table"}


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    sql: str | None  # None for a Python model (transforms.enrich)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    def references(self) -> set[str]:
        body = self.sql or ""
        return {f"{s}.{n}" for s, n in REFERENCE.findall(body)} - {self.relation}


@dataclass
class TransformSummary:
    run_date: date
    models: dict[str, float] = field(default_factory=dict)  # relation -> seconds


def discover(root: Path = ROOT) -> dict[str, Model]:
    models = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            model = Model(layer, path.stem, path.read_text(encoding="utf-8"))
            models[model.relation] = model
    for name in enrich.MODELS:
        models[f"intermediate.{name}"] = Model("intermediate", name, None)
    return models


def _provider(relation: str) -> str:
    """The model that builds a relation: itself, or the Python model that writes it."""
    for name, provided in enrich.PROVIDES.items():
        if relation in provided:
            return f"intermediate.{name}"
    return relation


def ordered(models: dict[str, Model]) -> list[Model]:
    """Topological order over `schema.table` references; Python models come after staging."""
    graph: dict[str, set[str]] = {}
    for relation, model in models.items():
        deps = {_provider(r) for r in model.references()} & set(models)
        if model.sql is None:
            deps |= {r for r in models if r.startswith("staging.")}
        graph[relation] = deps
    return [models[r] for r in TopologicalSorter(graph).static_order()]


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
) -> TransformSummary:
    """Build every model (or the selected ones) for `run_date`; each model is its own transaction."""
    summary = TransformSummary(run_date)
    metrics = load_metrics(registry.config_dir)
    for model in select(ordered(discover()), selected):
        started = time.perf_counter()
        con.execute("begin transaction")
        try:
            if model.sql is None:
                enrich.MODELS[model.name](con, registry, full_refresh)
            else:
                kind = MATERIALISATION[model.schema]
                body = model.sql.strip().rstrip(";")
                if kind == "view":
                    con.execute(f"create or replace view {model.relation} as {body}")
                else:
                    available = {"run_date": run_date} | metrics.sql_params()
                    params = {k: v for k, v in available.items() if f"${k}" in body} or None
                    con.execute(f"create or replace table {model.relation} as {body}", params)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        summary.models[model.relation] = time.perf_counter() - started
    return summary
