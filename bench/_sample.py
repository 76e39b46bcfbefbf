"""A smaller copy of a real data file, for a quick run of a benchmark (``--rows N``): its header and N rows taken
evenly from the whole file, in their order (every period and every hotel of the file, not only its first days)."""

from __future__ import annotations

import csv
from pathlib import Path


def sampled(path: Path, rows: int | None, folder: Path) -> Path:
    """``path`` itself when ``rows`` is ``None`` or covers the file; otherwise ``folder/<path's name>`` holding the
    header and ``rows`` data rows of ``path``, evenly spaced (the name kept: imports name the file in messages)."""
    if rows is None:
        return path
    with path.open(newline='', encoding='utf-8') as source:
        header, *data = csv.reader(source)
    if rows >= len(data):
        return path
    copy = Path(folder) / path.name
    with copy.open('w', newline='', encoding='utf-8') as target:
        writer = csv.writer(target)
        writer.writerow(header)
        writer.writerows(data[i * len(data) // rows] for i in range(rows))
    return copy
