"""The notebooks' shared first cell: in Google Colab, clone the project and install what the
notebooks need (the core dependencies only, so Colab's own ipykernel / ipywidgets are never
upgraded). Written from one template into every numbered notebook by
``python -m helpers notebooks``; a test checks that they are in sync.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import config, files

COLAB_CELL = """\
# Google Colab: install the project and what the notebooks need (no effect elsewhere).
import sys

if "google.colab" in sys.modules:
    !git clone --quiet --depth 1 {url} cine-creuse
    %cd cine-creuse
    %pip install --quiet -e ."""


def colab_cell() -> str:
    """The setup cell's source for the configured repository."""
    return COLAB_CELL.format(url=config.repository_url())


def numbered_notebooks(root: Path | None = None) -> list[Path]:
    """The numbered notebooks of the project root, in order (not the dashboard)."""
    return sorted((root or config.PROJECT_ROOT).glob("[0-9][0-9]_*.ipynb"))


def sync_colab_cells(root: Path | None = None) -> list[Path]:
    """Write the setup cell as the first cell of every numbered notebook; return the
    notebooks changed (nbformat's JSON layout kept: one-space indent, UTF-8)."""
    changed = []
    source = colab_cell().splitlines(keepends=True)
    for path in numbered_notebooks(root):
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = nb["cells"][0]
        if first["cell_type"] == "code" and first["source"] == source:
            continue
        if first["cell_type"] == "code" and "google.colab" in "".join(first["source"]):
            first["source"] = source
        else:
            nb["cells"].insert(0, {"cell_type": "code", "execution_count": None,
                                   "id": "colab-setup", "metadata": {}, "outputs": [],
                                   "source": source})
        files.write_text(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        changed.append(path)
    return changed


#: What a number missing from the data looks like once formatted into a sentence.
UNFILLED = re.compile(r"\bnan\b|\bNaN\b|\bNone\b|\bn\.d\.|\{[a-z_]+\}")


def unfilled_prose(nb: dict) -> list[str]:
    """Lines of an executed notebook's computed French prose (Markdown outputs) that show
    a missing value (nan, None, n.d., an unformatted ``{placeholder}``)."""
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            text = output.get("data", {}).get("text/markdown", "")
            found += [line.strip() for line in text.splitlines() if UNFILLED.search(line)]
    return found
