"""Sphinx configuration for keras_seqzoo.

Build: ``KERAS_BACKEND=jax sphinx-build -W --keep-going -b html docs docs/_build/html``
(``tox -e docs`` also runs the doctest builder). Pages are generated from the code
by the directives in ``docs/_ext/seqzoo_docs.py``; nothing is fetched from the network.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# JAX imports fastest; any backend builds the same pages. Respect a backend the user chose.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS))  # lstm_reference.py, for literalinclude and the doctests

import keras_seqzoo  # noqa: E402

project = "keras_seqzoo"
author = "keras_seqzoo developers"
copyright = "keras_seqzoo developers"
release = keras_seqzoo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    # A packaged MathJax 3, copied into _static/mathjax: the maths renders offline.
    "sphinx-mathjax-offline",
    "seqzoo_docs",
]

# The theme (furo) and MathJax are static assets: no intersphinx, no fetches at build
# time, and the pages load nothing from outside the site (tests/test_docs_browser.py).
html_theme = "furo"
html_title = f"keras_seqzoo {release}"
html_static_path = ["_static"]
html_css_files = ["seqzoo.css"]

exclude_patterns = ["_build", "data", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
nitpicky = False

# Google-style docstrings.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Dataclasses document their fields in "Attributes:"; as :ivar: fields they do not
# collide with autodoc's own entries for the same attributes.
napoleon_use_ivar = True

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}

# Seqzoo directives.
seqzoo_runs_dir = "data/runs"
# 90 characters: the summaries fit Furo's content column at 1280 px without scrolling.
seqzoo_summary_line_length = 90
seqzoo_summary_positions = [0.6, 0.84, 1.0]

# Doctests run with the same backend; keep them tiny.
doctest_global_setup = """
import os
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras
import keras_seqzoo as zoo
"""
