"""The package as an index user gets it: the built wheel and sdist, a core-only install,
and the one-line messages of features used without their extra."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IS_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "keras_seqzoo").is_dir()


def _run(args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run(args, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel, built as a release would be (the wheel from the sdist)."""
    pytest.importorskip("build")
    if not IS_CHECKOUT:
        pytest.skip("needs the project's source tree")
    out = tmp_path_factory.mktemp("dist")
    result = _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


@pytest.mark.one_backend
@pytest.mark.slow
def test_wheel_and_sdist_contents_and_metadata(dist):
    wheel, sdist = dist
    from keras_seqzoo import __version__

    assert wheel.name == f"keras_seqzoo-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"keras_seqzoo-{__version__}.dist-info"
        metadata = zf.read(f"{info}/METADATA").decode()
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert f"{info}/licenses/LICENSE" in names
    assert {"keras_seqzoo/py.typed", "keras_seqzoo/__main__.py", "keras_seqzoo/_version.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "docs/", "benchmarks/"))]
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Source, https://github.com/keras-seqzoo/keras-seqzoo" in metadata
    assert "Project-URL: Issues, https://github.com/keras-seqzoo/keras-seqzoo/issues" in metadata
    assert "Classifier: Programming Language :: Python :: 3.10" in metadata
    core = re.findall(r"^Requires-Dist: ([^;\n]+)$", metadata, flags=re.M)
    assert sorted(core) == ["keras>=3.8", "numpy>=1.24"]
    extras = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, flags=re.M))
    assert {"data", "tuner", "plots", "jax", "torch", "docs", "test", "all"} <= extras
    all_extra = re.findall(r'^Requires-Dist: ([^;\n]+); extra == "all"$', metadata, flags=re.M)
    assert not any(t in " ".join(all_extra) for t in ("pytest", "sphinx", "torch", "jax"))
    assert 'torch>=' in metadata and "torch==" not in metadata
    assert "seqzoo = keras_seqzoo.cli:main" in entry_points
    # The long description's first install line works from an index.
    body = metadata.split("\n\n", 1)[1]
    first_install = next(line for line in body.splitlines() if line.startswith("pip install"))
    assert "keras-seqzoo" in first_install and "pip install ." not in first_install

    with tarfile.open(sdist) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name and m.isfile()}
    assert {"LICENSE", "README.md", "pyproject.toml", "tests/conftest.py",
            "tests/_kill_during_fit.py", "keras_seqzoo/py.typed"} <= members
    # Nothing git leaves out (a recording's weights, a vocabulary drawn from a task's data):
    # built from a maintainer's working tree, the sdist once weighed 2 GB.
    tracked = _run(["git", "ls-files"], cwd=ROOT)
    if tracked.returncode == 0 and tracked.stdout:
        built = {m for m in members if m in ("PKG-INFO", "setup.cfg") or ".egg-info/" in m}
        assert sorted(members - set(tracked.stdout.splitlines()) - built) == []


@pytest.mark.one_backend
@pytest.mark.slow
def test_sdist_tests_run(dist, tmp_path):
    """The sdist's tests run from the unpacked sdist (conftest.py and helpers shipped)."""
    with tarfile.open(dist[1]) as tf:
        tf.extractall(tmp_path)
    (unpacked,) = tmp_path.iterdir()
    assert sorted(p.name for p in (unpacked / "tests").iterdir() if p.suffix == ".py") == sorted(
        p.name for p in (ROOT / "tests").iterdir() if p.suffix == ".py")
    env = {**os.environ, "PYTHONPATH": str(unpacked), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "tests/test_cli.py", "-k", "list_plain or unknown_tag"], cwd=unpacked, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout


def _readme_quick_start() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


CORE_CHECKS = """
import json, subprocess, sys, os
from keras_seqzoo import *            # works on the core install
import keras_seqzoo as zoo
out = {"version": zoo.__version__, "all": sorted(__import__("keras_seqzoo").__all__)}
uses = {"datasets": lambda: zoo.datasets.WordEncoder(10).fit(["a good film"]),
        "tuning": lambda: zoo.tuning, "plots": lambda: zoo.plots}
for name, use in uses.items():
    try:
        use()
        out[name] = "imported"
    except ImportError as error:
        out[name] = str(error)
print(json.dumps(out))
"""


@pytest.mark.one_backend
@pytest.mark.slow
def test_core_install_in_a_fresh_venv_runs_the_quick_start(dist, tmp_path):
    """The wheel with only its core requirements and the [jax] extra: Keras needs a backend
    (its NumPy backend imports JAX too)."""
    wheel, _ = dist
    # Without PYTHONPATH: a checkout on it (with the egg-info the build leaves) would count
    # as an installed keras-seqzoo.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KERAS_BACKEND")}
    env.update(KERAS_BACKEND="jax", HOME=str(tmp_path))
    venv = tmp_path / "venv"
    result = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert result.returncode == 0, result.stderr
    python = venv / "bin" / "python"
    result = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                   "--disable-pip-version-check", f"{wheel}[jax]"], env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "list",
                      "--format", "json"], env=env).stdout
    names = {p["name"].lower() for p in json.loads(installed)}
    assert {"keras", "numpy", "keras-seqzoo", "jax"} <= names
    assert not names & {"tensorflow", "tensorflow-datasets", "matplotlib", "keras-tuner",
                        "torch", "pandas"}
    cwd = tmp_path  # not the checkout, so the installed package is the one imported
    quick = _run([str(python), "-c", _readme_quick_start()], env=env, cwd=cwd)
    assert quick.returncode == 0, quick.stderr[-3000:]
    assert "conv1d" in quick.stdout

    checks = _run([str(python), "-c", CORE_CHECKS], env=env, cwd=cwd)
    assert checks.returncode == 0, checks.stderr[-3000:]
    report = json.loads(checks.stdout.strip().splitlines()[-1])
    assert "tuning" not in report["all"] and "datasets" not in report["all"]
    assert "needs the 'data' extra: pip install \"keras-seqzoo[data]\"" in report["datasets"]
    assert "needs the 'tuner' extra" in report["tuning"]
    # keras_seqzoo.plots imports matplotlib when it first draws, so the module imports.
    assert report["plots"] == "imported"

    seqzoo = venv / "bin" / "seqzoo"
    version = _run([str(seqzoo), "--version"], env=env, cwd=cwd)
    assert version.stdout.strip() == f"seqzoo (keras-seqzoo) {report['version']}"
    listed = _run([str(seqzoo), "list", "--json"], env=env, cwd=cwd)
    assert listed.returncode == 0 and "bilstm" in json.loads(listed.stdout)
    # No torch installed: a one-line error naming the extra.
    torch = _run([str(seqzoo), "compare", "bilstm", "--backend", "torch"], env=env, cwd=cwd)
    assert torch.returncode == 2
    assert "pip install \"keras-seqzoo[torch]\"" in torch.stderr
    assert "Traceback" not in torch.stderr
    compare = _run([str(seqzoo), "compare", "bilstm", "--epochs", "1"], env=env, cwd=cwd)
    assert compare.returncode == 2, compare.stderr[-2000:]
    assert "Traceback" not in compare.stderr and "extra" in compare.stderr


# -- the extras' messages, with modules hidden (no venvs needed) ------------------------------

BLOCKER = """
import importlib.abc, sys
HIDDEN = set({hidden!r})
class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Hide())
import importlib.util
_find_spec = importlib.util.find_spec
def find_spec(name, package=None):
    if name.partition(".")[0] in HIDDEN:
        return None
    return _find_spec(name, package)
importlib.util.find_spec = find_spec
"""


def _with_hidden(hidden, code, *, args=(), backend="jax"):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if not backend:
        env.pop("KERAS_BACKEND")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    program = BLOCKER.format(hidden=sorted(hidden)) + textwrap.dedent(code)
    return _run([sys.executable, "-c", program, *args], env=env, cwd=str(ROOT), timeout=300)


PROBE_EXTRAS = """
import json
import keras_seqzoo as zoo
from keras_seqzoo import *
from keras_seqzoo._extras import MissingExtraError, require
out = {}
uses = {
    "datasets": lambda: zoo.datasets.WordEncoder(10).fit(["a good film"]),
    "subwords": lambda: zoo.datasets.SubwordEncoder().fit(["a good film"]),
    "tuning": lambda: zoo.tuning,
    "plots": lambda: zoo.plots,
}
for name, use in uses.items():
    try:
        use()
        out[name] = "imported"
    except MissingExtraError as error:
        out[name] = [error.extra, str(error)]
try:
    require("tuner", "keras_tuner", feature="my feature")
except ImportError as error:
    out["require"] = str(error)
print(json.dumps(out))
"""


@pytest.mark.one_backend
def test_missing_extras_are_named_in_one_line():
    pytest.importorskip("jax")
    result = _with_hidden({"tensorflow", "tensorflow_datasets", "keras_tuner", "matplotlib"},
                          PROBE_EXTRAS)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["datasets"][0] == "data"
    assert report["datasets"][1].startswith(
        "keras_seqzoo.datasets needs the 'data' extra: pip install \"keras-seqzoo[data]\"")
    assert report["subwords"][0] == "data"
    assert report["tuning"][0] == "tuner"
    # keras_seqzoo.plots imports matplotlib when it first draws: the module imports without it.
    assert report["plots"] == "imported"
    assert report["require"] == (
        "my feature needs the 'tuner' extra: pip install \"keras-seqzoo[tuner]\" "
        "(No module named 'keras_tuner')")
    for value in report.values():
        message = value[1] if isinstance(value, list) else value
        assert "\n" not in message


CLI = "import sys\nfrom keras_seqzoo.cli import main\nsys.argv[0] = 'seqzoo'\nsys.exit(main())\n"


@pytest.mark.one_backend
@pytest.mark.parametrize("backend, extra", [("jax", "jax"), ("torch", "torch")])
def test_compare_on_a_missing_backend_exits_2_naming_the_extra(backend, extra):
    result = _with_hidden({backend}, CLI, args=["compare", "bilstm", "--backend", backend],
                          backend="")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"pip install \"keras-seqzoo[{extra}]\"" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.one_backend
def test_compare_without_jax_says_which_backend_and_why():
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("needs TensorFlow, Keras' default backend, when jax is hidden")
    # An unknown model stops the run before any data is read, after the backend note.
    result = _with_hidden({"jax"}, CLI, args=["compare", "nothing_like_it"], backend="")
    assert "jax is not installed" in result.stderr and "README's timings are for JAX" in result.stderr
    assert 'pip install "keras-seqzoo[jax]"' in result.stderr
    assert result.returncode == 2 and "Unknown model 'nothing_like_it'" in result.stderr


@pytest.mark.one_backend
def test_a_missing_keras_backend_is_named():
    result = _with_hidden({"torch"}, CLI, args=["list"], backend="torch")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Keras' backend is 'torch' ($KERAS_BACKEND) but torch is not installed" in result.stderr
    assert "Traceback" not in result.stderr


def test_file_sha256_streams_on_every_declared_python(tmp_path):
    """hashlib.file_digest is 3.11+; the cache's digest reads in chunks on 3.10 too."""
    import hashlib

    from keras_seqzoo.datasets._cache import file_sha256

    data = os.urandom(3 * 1024 + 7)
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert file_sha256(path, chunk_size=1024) == hashlib.sha256(data).hexdigest()


def test_version_has_one_source():
    import keras_seqzoo
    from keras_seqzoo._version import __version__

    assert keras_seqzoo.__version__ == __version__
    if IS_CHECKOUT:
        pyproject = (ROOT / "pyproject.toml").read_text()
        assert 'dynamic = ["version"]' in pyproject
        assert not re.search(r'^version\s*=\s*"', pyproject, flags=re.M)


@pytest.mark.one_backend
def test_summary_without_the_backend_is_one_line():
    result = _with_hidden({"torch"}, CLI, args=["summary", "conv1d"], backend="torch")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1].startswith(
        "seqzoo summary: error: Keras' backend is 'torch' ($KERAS_BACKEND) but torch is not installed")
    assert "Traceback" not in result.stderr
