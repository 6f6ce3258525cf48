"""One HTML build of the docs per test session, shared by the test files that read it.

``tests/test_docs.py`` (the generated pages' contents) and ``tests/test_docs_browser.py``
(the pages in Chromium) both need the built HTML. Under pytest-xdist with
``--dist loadfile`` they may run on different workers, so the build goes to a folder
beside the workers' own temporary folders, under a file lock: the first worker builds,
the others wait and reuse it (or see its error).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def built_html(tmp_path_factory) -> Path:
    """Builds the docs with ``sphinx-build -W --keep-going -b html`` once; returns the output.

    Raises AssertionError with Sphinx's output when the build fails (in every test
    that asks for it, without building again).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this session
    out = base / "docs_html"
    done, failed = base / "docs_html.ok", base / "docs_html.failed"
    with open(base / "docs_html.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists() and not failed.exists():
                result = subprocess.run(
                    [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
                     str(DOCS), str(out), "-d", str(base / "docs_doctrees")],
                    cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900,
                )
                if result.returncode == 0:
                    done.write_text("ok\n", encoding="utf-8")
                else:
                    failed.write_text(f"{result.stdout}\n{result.stderr}", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if failed.exists():
        raise AssertionError(f"sphinx-build failed:\n{failed.read_text(encoding='utf-8')}")
    return out
