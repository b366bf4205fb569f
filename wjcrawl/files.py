"""Writing output files so that a killed process never leaves a truncated one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write`` with a temporary file next to ``target``, then rename it over ``target``
    (mode 0644, like any other output; mkstemp makes 0600). On any error the temporary file goes."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            write(raw)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
