"""Helpers the test modules share (plain functions; shared fixtures live in conftest.py).

Test modules import from here, never from one another.
"""

from __future__ import annotations

import importlib
import io
import random
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import numpy as np

POSITIVE = "good great wonderful superb moving delightful brilliant".split()
NEGATIVE = "bad awful boring terrible dull clumsy dreadful".split()
NEUTRAL = "the a of and film movie plot actor acting story scene director it was".split()
PER_CLASS = 10  # reviews per split and class


def review(rng: random.Random, label: int) -> str:
    pool = (POSITIVE if label else NEGATIVE) * 3 + NEUTRAL
    words = [rng.choice(pool) for _ in range(rng.randint(4, 60))]
    return " ".join(words).capitalize() + ".<br /><br />The end!"


def imdb_files(per_class: int = PER_CLASS, seed: int = 0, splits=("train", "test")) -> dict[str, str]:
    rng = random.Random(seed)
    files = {}
    for split in splits:
        for label, cls in enumerate(("neg", "pos")):
            for i in range(per_class):
                rating = rng.randint(7, 10) if label else rng.randint(1, 4)
                files[f"aclImdb/{split}/{cls}/{i}_{rating}.txt"] = review(rng, label)
    files["aclImdb/README"] = "Large Movie Review Dataset v1.0 (tiny test copy)"
    files["aclImdb/train/unsup/0_0.txt"] = "unlabelled review that must be ignored"
    return files


def write_folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "aclImdb"


def write_tarball(path: Path, files: dict[str, str], dirs: bool = True) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        if dirs:
            for folder in sorted({str(Path(n).parent) for n in files}):
                info = tarfile.TarInfo(folder)
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def tiny_tokens(model_or_length, n: int = 16, vocab_size: int = 50, seed: int = 0):
    """Random token ids and 0/1 labels shaped for a model (variable length -> 12)."""
    length = model_or_length
    if not isinstance(model_or_length, int) and model_or_length is not None:
        length = model_or_length.inputs[0].shape[1]
    length = length or 12
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab_size, size=(n, length)).astype("int32")
    y = rng.integers(0, 2, size=(n, 1)).astype("float32")
    return x, y


def imdb_test_sample(test_texts: list[str], odd_texts: list[str], n: int = 1000) -> list[str]:
    """``n`` of IMDB's test reviews for equivalence checks: the 50 longest, up to 300 with
    non-ASCII characters, seeded random ones, then ``odd_texts`` (empty, whitespace, ...)."""
    longest = sorted(range(len(test_texts)), key=lambda i: -len(test_texts[i]))[:50]
    non_ascii = [i for i, t in enumerate(test_texts) if not t.isascii()][:300]
    chosen = list(dict.fromkeys(longest + non_ascii))
    taken = set(chosen)
    rest = [int(i) for i in np.random.default_rng(0).permutation(len(test_texts))
            if i not in taken]
    chosen += rest[: n - len(odd_texts) - len(chosen)]
    return [test_texts[i] for i in chosen] + list(odd_texts)


DOCS_EXTENSIONS = Path(__file__).resolve().parents[1] / "docs" / "_ext"


def seqzoo_docs() -> ModuleType:
    """The docs' Sphinx extension (``docs/_ext/seqzoo_docs.py``): the code the pages are
    built with, imported without leaving its folder on ``sys.path``."""
    sys.path.insert(0, str(DOCS_EXTENSIONS))
    try:
        return importlib.import_module("seqzoo_docs")
    finally:
        sys.path.remove(str(DOCS_EXTENSIONS))


def build_page(src: Path, out: Path, body: str, runs: Path, data: Path) -> str:
    """Builds a one-page Sphinx project with the docs' extension, warnings as errors.

    Args:
        src: an empty folder for ``conf.py`` and ``index.rst``.
        out: the HTML output folder.
        body: the page's reStructuredText, after its title.
        runs: ``seqzoo_runs_dir`` (the recorded runs the directives read).
        data: ``seqzoo_data_dir``.

    Returns:
        ``index.html``'s HTML. Raises AssertionError with Sphinx's output when the build fails.
    """
    import os
    import subprocess
    import textwrap

    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(DOCS_EXTENSIONS)!r})
        extensions = ["seqzoo_docs"]
        seqzoo_runs_dir = {str(runs)!r}
        seqzoo_data_dir = {str(data)!r}
        """), encoding="utf-8")
    (src / "index.rst").write_text(f"Test\n====\n\n{body}", encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
           "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax")}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q", str(src),
         str(out)], cwd=DOCS_EXTENSIONS.parents[1], env=env, capture_output=True, text=True,
        timeout=600)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return (out / "index.html").read_text(encoding="utf-8")
