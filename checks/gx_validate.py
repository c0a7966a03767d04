"""Validate a pandas frame against rules with Great Expectations (imported lazily: it takes seconds)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from checks.spec import Rule

SAMPLE_ROWS = 5  # failing rows kept per expectation, as key columns plus the offending value


@dataclass(frozen=True)
class Outcome:
    """The result of one rule on one frame, ready for ops.check_results."""

    rule: Rule
    success: bool
    observed: str | None
    failing_sample: str | None


class Validator:
    """One ephemeral GX context (no analytics, no progress bars) reused for every frame of a check run."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self._gx = gx
        config = DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        )
        self._context = gx.get_context(mode="ephemeral", project_config=config)
        self._source = self._context.data_sources.add_pandas("blindspot")

    def validate(
        self, name: str, frame: pd.DataFrame, rules: list[Rule], key: tuple[str, ...]
    ) -> list[Outcome]:
        """Run `rules` over `frame` as one GX batch; a rule GX cannot evaluate fails with the error as observed."""
        import great_expectations.expectations as gxe

        # The rule's index rides in meta: GX returns results in its own order and ids are unset in memory.
        expectations = [
            getattr(gxe, _class_name(r.expectation))(**r.kwargs, meta={"rule": i})
            for i, r in enumerate(rules)
        ]
        suite = self._gx.ExpectationSuite(name=name, expectations=expectations)
        batch = (
            self._source.add_dataframe_asset(name)
            .add_batch_definition_whole_dataframe("run")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
        if key:
            result_format["unexpected_index_column_names"] = list(key)
        validation = batch.validate(suite, result_format=result_format)
        outcomes = [_outcome(rules[r.expectation_config.meta["rule"]], r) for r in validation.results]
        outcomes.sort(key=lambda o: rules.index(o.rule))
        self._source.delete_asset(name)
        return outcomes


def _class_name(expectation: str) -> str:
    return "".join(part.capitalize() for part in expectation.split("_"))


def _outcome(rule: Rule, result: Any) -> Outcome:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return Outcome(rule, False, f"error: {info.get('exception_message')}", None)
    detail = result.result or {}
    if "unexpected_count" in detail:
        observed = f"{detail['unexpected_count']} of {detail.get('element_count')} rows unexpected"
        sample = detail.get("partial_unexpected_index_list") or detail.get("partial_unexpected_list")
        failing = _json(sample[:SAMPLE_ROWS]) if sample and not result.success else None
        return Outcome(rule, bool(result.success), observed, failing)
    return Outcome(rule, bool(result.success), _json(detail.get("observed_value")), None)


def _json(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def _plain(value: Any) -> Any:
    """JSON-ready values from what GX hands back: numpy scalars, timestamps, NaN (as null)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
