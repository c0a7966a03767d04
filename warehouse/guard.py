"""Failures an operator can act on, said in one line: the warehouse held by another process, too little free
disk for a stage, a disk that filled up. Each names the cause, the file or process, and the next step."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

MB = 1024 * 1024
LOCK_HOLDER = re.compile(
    r"Conflicting lock is held in (.+?)(?: \(PID (\d+)\))?(?: by user (\S+))?\.?(?:\s|$)"
)


class OperatorError(RuntimeError):
    """The machine or another process is in the way, not the data: the CLI exits 2 with this one line."""


class WarehouseBusy(OperatorError):
    pass


class DiskFull(OperatorError):
    pass


class WarehouseMissing(FileNotFoundError, OperatorError):
    pass


class MigrationPending(OperatorError):
    pass


def migration_pending(path: Path, found: str | None, wanted: str | None) -> MigrationPending:
    return MigrationPending(
        f"the warehouse {path} is at schema revision {found or 'none'}, this blindspot needs {wanted}; run "
        "`blindspot db upgrade` (or any writing stage, which migrates first), then run again"
    )


def is_lock_conflict(exc: BaseException) -> bool:
    return "Could not set lock on file" in str(exc) or "Conflicting lock" in str(exc)


def busy(path: Path, exc: BaseException, waited: float) -> WarehouseBusy:
    found = LOCK_HOLDER.search(str(exc))
    holder = (
        f"{found[1]} (PID {found[2]})" if found and found[2] else (found[1] if found else "another process")
    )
    return WarehouseBusy(
        f"the warehouse {path} is held by {holder}; waited {waited:g} s for it. Let that run finish (or stop "
        "it), then run again; BLINDSPOT_LOCK_WAIT_SECONDS sets how long to wait"
    )


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether the disk filling up is the error, or what led to it (its cause or context)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(exc) or "disk is full" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full(where: Path, stage: str) -> DiskFull:
    free = shutil.disk_usage(_existing(where)).free
    return DiskFull(
        f"the disk holding {where} is full ({free // MB} MB free) during {stage}; its open transaction was "
        "rolled back (what earlier steps committed stays). Free space (archive old landing nights, remove old snapshots) or move BLINDSPOT_HOME, "
        "then run the stage again"
    )


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def require_free_space(where: Path, needed: int, stage: str, room: int = 256 * MB) -> None:
    """Refuse a stage before it starts when the disk holding `where` has less than `needed` bytes free
    plus `room` (working room: WAL, temp files; BLINDSPOT_MIN_FREE_MB), rather than fill the disk halfway.
    A room of 0 turns the check off (a filesystem that reports its free space wrongly)."""
    if room == 0:
        return
    free = shutil.disk_usage(_existing(where)).free
    wanted = needed + room
    if free < wanted:
        raise DiskFull(
            f"not enough free disk for {stage} at {where}: {free // MB} MB free, about {wanted // MB} MB "
            "needed. Free space (archive old landing nights, remove old snapshots) or move BLINDSPOT_HOME, "
            "then run again (BLINDSPOT_MIN_FREE_MB sets the working room)"
        )
