"""Failures an operator can act on, said in one line: the warehouse held by another process, too little free
disk for a stage, a disk that filled up. Each names the cause, the file or process, and the next step."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

MB = 1024 * 1024
MIN_FREE_BYTES = 256 * MB  # a stage's working room besides what it writes (WAL, temp files)
LOCK_HOLDER = re.compile(
    r"Conflicting lock is held in (.+?)(?: \(PID (\d+)\))?(?: by user (\S+))?\.?(?:\s|$)"
)


class OperatorError(RuntimeError):
    """The machine or another process is in the way, not the data: the CLI exits 2 with this one line."""


class WarehouseBusy(OperatorError):
    pass


class DiskFull(OperatorError):
    pass


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


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(exc) or "disk is full" in str(exc).lower()


def disk_full(where: Path, stage: str) -> DiskFull:
    free = shutil.disk_usage(_existing(where)).free
    return DiskFull(
        f"the disk holding {where} is full ({free // MB} MB free) during {stage}; nothing was committed by "
        "this step. Free space (archive old landing nights, remove old snapshots) or move BLINDSPOT_HOME, "
        "then run the stage again"
    )


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def require_free_space(where: Path, needed: int, stage: str) -> None:
    """Refuse a stage before it starts when the disk holding `where` has less than `needed` bytes free
    (plus MIN_FREE_BYTES of working room), rather than fill the disk halfway through."""
    free = shutil.disk_usage(_existing(where)).free
    wanted = needed + MIN_FREE_BYTES
    if free < wanted:
        raise DiskFull(
            f"not enough free disk for {stage} at {where}: {free // MB} MB free, about {wanted // MB} MB "
            "needed. Free space (archive old landing nights, remove old snapshots) or move BLINDSPOT_HOME, "
            "then run again"
        )
