"""Collecting every problem found while loading, each with its file, line and column."""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection
from pathlib import Path

from trellis.errors import Problem
from trellis.metadata.model import UNKNOWN, Source


def shown_path(path: str | Path, folder: Path | None = None) -> str:
    """``path`` relative to ``folder`` (resolved; default: the current folder) when it lies under it, else absolute."""
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(folder or Path(os.getcwd()).resolve()))
    except ValueError:
        return str(absolute)


def did_you_mean(word: str, candidates: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close to ``word``, else ``""``."""
    match = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


class Report:
    """The problems of one load, in the order found; ``error`` never raises."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, int, int, str]] = set()

    def error(self, source: Source | None, message: str) -> None:
        """Record an error at ``source`` (the YAML place it concerns)."""
        source = source or UNKNOWN
        key = (source.path, source.line, source.column, message)
        if key in self._seen:  # one mistake reached from two places (e.g. a merged key) is told once
            return
        self._seen.add(key)
        self.problems.append(Problem(source.path, source.line, source.column, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def sorted(self) -> list[Problem]:
        """The problems ordered by file, line and column (the order an editor shows them)."""
        return sorted(self.problems, key=lambda p: (p.path, p.line, p.column))
