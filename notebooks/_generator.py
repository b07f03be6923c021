"""What every notebook generator ``notebooks/make_NAME.py`` shares: cells from dedented text,
the notebook without outputs, its exact text, and the ``--check`` command line.

A generator lists its ``CELLS`` with :func:`md` and :func:`code` and ends with::

    def render() -> str:
        return render_cells(CELLS)

    if __name__ == "__main__":
        raise SystemExit(main(NOTEBOOK, render, __doc__))
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def md(cell_id: str, text: str) -> nbformat.NotebookNode:
    """A markdown cell with a fixed id (ids are not random: the stored file must not drift)."""
    return new_markdown_cell(textwrap.dedent(text).strip(), id=cell_id)


def code(cell_id: str, text: str) -> nbformat.NotebookNode:
    """A code cell with a fixed id, stored without outputs."""
    return new_code_cell(textwrap.dedent(text).strip(), id=cell_id)


def build(cells: Sequence[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """The notebook of ``cells`` for a python3 kernel, validated."""
    nb = new_notebook(cells=list(cells), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nb


def render_cells(cells: Sequence[nbformat.NotebookNode]) -> str:
    """The notebook file's exact text."""
    return nbformat.writes(build(cells)) + "\n"


def main(notebook: Path, render: Callable[[], str], doc: str | None, argv: list[str] | None = None) -> int:
    """Write ``notebook`` from ``render()``, or with ``--check`` exit 1 if the stored file is stale."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the stored notebook is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        stale = not notebook.exists() or notebook.read_text(encoding="utf-8") != text
        if stale:
            print(f"{notebook.name} is stale: run make_{notebook.stem}.py", file=sys.stderr)
        return int(stale)
    notebook.write_text(text, encoding="utf-8")
    print(f"wrote {notebook}")
    return 0
