"""A Jupyter notebook as the worker runs it: its code cells, in order, as plain Python.

The notebook is read with ``nbformat`` (any version it can convert to 4). Each
code cell's text goes through IPython's own input transformer, which turns the
notebook syntax into calls of ``get_ipython()``:

* ``%magic args`` and ``%%magic`` cells become ``run_line_magic`` and
  ``run_cell_magic``; the worker runs the code of ``%time``, ``%timeit``,
  ``%%time``, ``%%timeit`` and ``%%capture`` once, ignores ``%matplotlib``,
  ``%config`` and ``%load_ext``, and skips any other magic, saying so in the
  output;
* ``!command`` and ``x = !command`` become ``system`` and ``getoutput``: never run
  (the sandbox has no shell), ``x`` is an empty list;
* ``name?`` and ``name??`` become help requests: nothing.

The cells are written, numbered from 1 (code cells only, in the notebook's order),
to a JSON file that is the submission the worker receives. Both libraries are
needed only for notebooks: a ``.py`` file is checked without them.
"""

import json
import warnings
from pathlib import Path

__all__ = ["NOTEBOOK_SUFFIX", "NotebookError", "code_cells", "write_cells"]

NOTEBOOK_SUFFIX = ".ipynb"


class NotebookError(Exception):
    """The notebook cannot be run: unreadable, or the libraries that read it are missing."""


def code_cells(source: bytes) -> list[tuple[int, str]]:
    """``(number, python)`` for each code cell of the notebook ``source``, numbered from 1.

    Raises
    ------
    NotebookError
        When nbformat or IPython is not installed, or ``source`` is not a notebook.
    """
    try:
        import nbformat
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError as exc:
        raise NotebookError(
            f"checking a notebook needs nbformat and IPython ({exc.name} is not installed): "
            "pip install 'manual-backprop[notebook]'"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's notes on missing cell ids
            notebook = nbformat.reads(source.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises JSON, validation and reader errors alike
        raise NotebookError(f"it is not a notebook nbformat can read ({exc})") from None
    transformer = TransformerManager()  # type: ignore[no-untyped-call]
    cells: list[tuple[int, str]] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        try:
            python = transformer.transform_cell(text)
        except Exception:  # a cell IPython cannot read: the worker's compile says why
            python = text
        cells.append((len(cells) + 1, python))
    return cells


def write_cells(cells: list[tuple[int, str]], folder: Path, stem: str) -> Path:
    """Write ``cells`` as the worker's JSON submission file in ``folder``; its path."""
    path = folder / f"{stem}.cells.json"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return path
