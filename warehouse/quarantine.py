"""Landing files the loader cannot take: found before a batch, moved aside whole, recorded with what to do.

A file is checked on its own before its kind's batch (`inspect`): its Parquet footer and its columns against
the landing contract (the kind's required columns present, each known column of a compatible type). Data
pages are decoded by the batch itself; when the batch fails, each of its files has every page of its
columns decoded, the ones that fail are set aside, and the batch runs again without them. A file that
fails is moved under `$BLINDSPOT_HOME/quarantine/` (the same relative path as under landing/; kept, never
deleted) and recorded in ops.rejected_files with its
path under the home, checksum, reason in one line and the action to take; the rest of the night loads.
A good copy put back at the landing path loads on the next run, and `blindspot load --retry FILE` moves a
quarantined file back to load it again.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from landing.schemas import LANDING_SCHEMAS, REQUIRED

QUARANTINE = "quarantine"  # beside landing/ under the home
CHECKSUM_IN_NAME = 12  # hex digits of a second bad copy's checksum in its quarantined name
SECOND_COPY = re.compile(rf"\.[0-9a-f]{{{CHECKSUM_IN_NAME}}}$")


@dataclass(frozen=True)
class RejectedFile:
    path: str  # under the home, as landed: landing/<kind>/<source>/<night>/<run>.parquet
    checksum: str
    reason: str
    action: str
    quarantined_to: str  # under the home


def home_relative(path: Path, landing_dir: Path) -> str:
    """A landing file's path under the home ("landing/items/src/2026-06-12/run.parquet"), which stays the
    same when $BLINDSPOT_HOME moves."""
    return (Path(landing_dir.name) / path.resolve().relative_to(landing_dir.resolve())).as_posix()


def checksum(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _compatible(found: pa.DataType, wanted: pa.DataType) -> bool:
    if found == wanted or pa.types.is_null(found):
        return True
    kinds = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_integer,
        pa.types.is_floating,
        pa.types.is_timestamp,
        pa.types.is_date,
        pa.types.is_boolean,
    )
    same_kind = [k(found) and k(wanted) for k in kinds]
    strings = (pa.types.is_string(found) or pa.types.is_large_string(found)) and pa.types.is_string(wanted)
    return any(same_kind) or strings


def inspect(path: Path, kind: str, decode: bool = True) -> str | None:
    """Why a landing file cannot be loaded as `kind`, in one line; None when it can. Without `decode`, only
    the footer and the columns are read (cheap); with it, every data page of the kind's columns too."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        return f"not a readable Parquet file ({_one_line(exc)})"
    wanted = LANDING_SCHEMAS[kind]
    missing = [c for c in REQUIRED[kind] if c not in schema.names]
    if missing:
        return f"its columns are not those of {kind}: {', '.join(missing)} missing (found {', '.join(schema.names[:6])}…)"
    wrong = [
        f"{f.name} is {schema.field(f.name).type}, not {f.type}"
        for f in wanted
        if f.name in schema.names and not _compatible(schema.field(f.name).type, f.type)
    ]
    if wrong:
        return f"its columns are not those of {kind}: {'; '.join(wrong[:3])}"
    if not decode:
        return None
    try:
        pq.read_table(path, columns=[c for c in wanted.names if c in schema.names])
    except (OSError, pa.ArrowException) as exc:
        return f"its data cannot be read ({_one_line(exc)})"
    return None


def target_for(path: Path, landing_dir: Path, digest: str) -> Path:
    """Where a landing file goes in quarantine/: the same relative path (a second bad copy keeps its
    checksum in its name)."""
    target = landing_dir.parent / QUARANTINE / path.resolve().relative_to(landing_dir.resolve())
    if target.exists():
        target = target.with_name(f"{target.stem}.{digest[:CHECKSUM_IN_NAME]}{target.suffix}")
    return target


def quarantine(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)


def restore(file: Path, landing_dir: Path) -> Path:
    """Move a quarantined file (its path, or its path under the home) back to where it was landed."""
    home = landing_dir.parent
    found = file if file.is_absolute() else home / file
    quarantine_dir = (home / QUARANTINE).resolve()
    try:
        relative = found.resolve().relative_to(quarantine_dir)
    except ValueError:
        raise FileNotFoundError(f"{file} is not under {quarantine_dir}") from None
    if not found.is_file():
        raise FileNotFoundError(f"{found} does not exist")
    stem = SECOND_COPY.sub("", relative.stem)  # a second copy's name carries its checksum (target_for)
    target = landing_dir / relative.with_name(f"{stem}{relative.suffix}")
    if target.exists():
        raise FileExistsError(f"{target} exists already: remove it or the quarantined copy first")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(found, target)
    return target


def rejection(relative: str, digest: str, reason: str, moved_to: Path, home: Path) -> RejectedFile:
    """The record of a quarantined file: `relative` is its landing path under the home."""
    kept = moved_to.resolve().relative_to(home.resolve()).as_posix()
    action = (
        f"kept at {kept}; re-collect the night, or put a good copy back at {relative} (it loads on the next "
        f"run), or run `blindspot load --retry {kept}` once the file is fixed"
    )
    return RejectedFile(relative, digest, reason, action, kept)
