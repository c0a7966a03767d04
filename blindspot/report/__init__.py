"""The static HTML report: an overview of zones and one page per zone, charts as inline SVG, no network."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

from blindspot.report.data import read_snapshot
from blindspot.report.methodology import write_methodology
from blindspot.report.render import render_pages
from warehouse.publish import SnapshotIsNewer, SnapshotMissing

__all__ = ["ReportSummary", "SnapshotIsNewer", "SnapshotMissing", "write_report"]


@dataclass
class ReportSummary:
    report_dir: Path
    data_date: date
    run_date: date | None
    pages: list[Path] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.report_dir / "index.html"

    @property
    def is_stale(self) -> bool:
        """The snapshot is older than the night asked for (its publish was refused or has not run)."""
        return self.run_date is not None and self.data_date < self.run_date


def write_report(published_path: Path, report_dir: Path, run_date: date | None = None) -> ReportSummary:
    """Render the report of the published snapshot into a fresh folder, then swap it in place of report_dir.
    A run_date before the snapshot's night is refused (SnapshotIsNewer) rather than writing another night."""
    snapshot = read_snapshot(published_path)
    if run_date is not None and snapshot.data_date > run_date:
        raise SnapshotIsNewer(
            f"the published snapshot is for {snapshot.data_date}, after {run_date}; a report is written from "
            f"the snapshot only, so run `blindspot report` without --date (or with --date {snapshot.data_date})"
        )
    building = report_dir.with_name(f".{report_dir.name}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    pages = render_pages(snapshot, building)
    pages.append(write_methodology(building / "methodology.html"))
    (building / "style.css").write_bytes(files("blindspot.report").joinpath("style.css").read_bytes())
    swap_folder(building, report_dir)
    return ReportSummary(report_dir, snapshot.data_date, run_date, [report_dir / p.name for p in pages])


def swap_folder(new: Path, target: Path) -> None:
    """Replace target with new; a reader sees the old folder or the new one, never a half-written one."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
