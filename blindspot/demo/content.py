"""What the demo server serves from the world: articles indexed by source and date, and dataset files."""

from __future__ import annotations

import bisect
import re
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from blindspot.demo import dataset_formats, formats
from blindspot.demo.world import World

CSV, JSON = "text/csv; charset=utf-8", "application/json; charset=utf-8"
DATASET_PATH = re.compile(
    r"(cpj|keepiton|acled)\.csv|rsf_(\d{4})\.csv|(ioda|gdelt)/([\w-]+)\.json|reliefweb/reports\.json"
)


class ArticleIndex:
    """Articles grouped by source, newest first, so an as-of cut is a bisection and a page is a slice."""

    def __init__(self, articles: pa.Table):
        keys = [("source_id", "ascending"), ("published_at", "descending"), ("article_id", "ascending")]
        self.table = articles.take(pc.sort_indices(articles, sort_keys=keys))
        sources = self.table.column("source_id").to_pylist()
        seconds = pc.cast(self.table.column("published_at"), pa.timestamp("s", tz="UTC"))  # Parquet gives ms
        self.stamps = pc.cast(seconds, pa.int64()).to_pylist()
        self.position = {aid: i for i, aid in enumerate(self.table.column("article_id").to_pylist())}
        self.ranges: dict[str, tuple[int, int]] = {}
        for i, source_id in enumerate(sources):
            start, _ = self.ranges.get(source_id, (i, i))
            self.ranges[source_id] = (start, i + 1)
        self.negated = {s: [-t for t in self.stamps[a:b]] for s, (a, b) in self.ranges.items()}

    def visible(self, source_id: str, as_of: date) -> tuple[int, int]:
        """Row range of the source's articles published by the end of `as_of` (UTC), newest first."""
        start, end = self.ranges.get(source_id, (0, 0))
        cutoff = int(formats.midnight(as_of + timedelta(days=1)).timestamp())
        return start + bisect.bisect_right(self.negated.get(source_id, []), -cutoff), end

    def rows(self, start: int, end: int) -> pa.Table:
        return self.table.slice(start, max(0, end - start))


class Datasets:
    """The world's dataset files: which paths exist as of a date, and their bytes."""

    def __init__(self, world: World):
        self.tables = world.tables
        self.alpha3 = {meta["alpha2"]: code for code, meta in world.countries.items()}
        volumes = world.tables["volumes"]
        self.queries = dict(
            zip(volumes.column("zone_id").to_pylist(), volumes.column("query").to_pylist(), strict=True)
        )
        self.rsf_years = sorted(set(world.tables["press_scores"].column("year").to_pylist()))

    def paths(self, as_of: date) -> list[str]:
        paths = ["cpj.csv", "keepiton.csv", "acled.csv", "reliefweb/reports.json"]
        paths += [f"rsf_{year}.csv" for year in self.rsf_years if year <= as_of.year]
        paths += [f"ioda/{alpha2}.json" for alpha2 in sorted(self.alpha3)]
        return paths + [f"gdelt/{zone_id}.json" for zone_id in sorted(self.queries)]

    @staticmethod
    def format_of(path: str) -> str | None:
        """The registry's dataset_format served at `path` (None when no dataset lives there)."""
        match = DATASET_PATH.fullmatch(path)
        if match is None:
            return None
        kind = match[1] or (match[2] and "rsf") or match[3] or "reliefweb"
        return "gdelt_timeline" if kind == "gdelt" else kind

    def render(self, path: str, as_of: date, offset: int = 0, limit: int = 1000) -> tuple[bytes, str] | None:
        match, t = DATASET_PATH.fullmatch(path), self.tables
        if match is None:
            return None
        if match[1]:
            renderer = {
                "cpj": dataset_formats.render_cpj_csv,
                "keepiton": dataset_formats.render_keepiton_csv,
            }
            renderer |= {"acled": dataset_formats.render_acled_csv}
            table = {"cpj": "incidents", "keepiton": "shutdowns", "acled": "conflict"}[match[1]]
            return renderer[match[1]](t[table], as_of), CSV
        if match[2]:
            year = int(match[2])
            published = year in self.rsf_years and year <= as_of.year  # an index is out in its own year
            return (dataset_formats.render_rsf_csv(t["press_scores"], year), CSV) if published else None
        if match[3] == "ioda" and match[4] in self.alpha3:
            body = dataset_formats.render_ioda_json(
                t["signals"], match[4], as_of, alpha3=self.alpha3[match[4]]
            )
            return body, JSON
        if match[3] == "gdelt" and match[4] in self.queries:
            return dataset_formats.render_gdelt_timeline_json(
                t["volumes"], self.queries[match[4]], as_of
            ), JSON
        if match[3]:
            return None
        return dataset_formats.render_reliefweb_json(t["reports"], as_of, offset, limit), JSON


def render_dataset_files(world: World, as_of: date, out_dir: Path) -> list[Path]:
    """Write every dataset file as of `as_of` under out_dir (for file:// sources); returns the paths."""
    datasets, written = Datasets(world), []
    for relative in datasets.paths(as_of):
        rendered = datasets.render(relative, as_of, limit=max(1, world.tables["reports"].num_rows))
        if rendered is None:
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(rendered[0])
        written.append(target)
    return written
