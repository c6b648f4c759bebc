"""Benchmark: load 200 entities x 50 fields (plus core) and print the time. Target: < 0.5 s.

    python bench/metadata_load.py [--entities 200] [--fields 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

KINDS = ["string", "integer", "money", "date", "boolean", "text", "email", "percent"]


def entity_yaml(index: int, fields: int) -> str:
    """One entity with ``fields`` fields of mixed types, a link, a selection, a computed field and a form."""
    lines = [f"entity: e{index}", f"label: {{en: Entity {index}, ru: Сущность {index}}}", "fields:",
             "  name: {type: string, required: true, max_length: 200}",
             "  stage: {type: selection, options: [new, open, won, lost], default: new}",
             "  total: {type: money, compute: \"f9 * 2 if f9 is not None else 0\"}"]
    if index:
        lines.append(f"  parent: {{type: link, to: e{index - 1}, on_delete: set_null}}")
    for n in range(len(lines) - 3, fields):
        kind = KINDS[n % len(KINDS)]
        lines.append(f"  f{n}: {{type: {kind}, label: {{en: Field {n}}}, index: {str(n % 10 == 0).lower()}}}")
    lines += ["rules:", "  - check: \"total is None or total >= 0\"", "    message: {en: Must not be negative}",
              "list: {columns: [name, stage, total], order: -total}",
              "form:", "  - section: Main", "    fields: [name, [stage, total]]",
              "kanban: {group_by: stage, card: [name, total]}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Generate the YAML in a temporary folder and time ``load``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--fields", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "metadata"
        root.mkdir()
        for index in range(args.entities):
            (root / f"e{index:03}.yaml").write_text(entity_yaml(index, args.fields), encoding="utf-8")
        layers = [core_layer(), Layer("metadata", str(root), "organisation")]
        walls, cpus = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            metadata = load(layers)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - started_cpu)
        fields = sum(len(e.fields) for e in metadata.entities.values())
        # CPU time is what the loader costs; wall time adds whatever else the machine is doing.
        print(f"{len(metadata.entities)} entities, {fields} fields over {args.repeat} loads: "
              f"wall median {statistics.median(walls):.3f} s (best {min(walls):.3f}), "
              f"CPU median {statistics.median(cpus):.3f} s (best {min(cpus):.3f})")


if __name__ == "__main__":
    main()
