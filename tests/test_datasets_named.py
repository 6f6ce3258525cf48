"""Named data sets (issue 26 item 1): ``load_data("20newsgroups" | "reuters_r8" | "sms_spam")``.

Where their files are found (``data_dir=``, ``$KERAS_SEQZOO_TEXT_DATA``, Keras' cache, a
download), both formats of each (the home page's and the shared local copies'), the
offline error, and the command line. The home-page formats are written here as tiny files;
the real data sets come from ``$KERAS_SEQZOO_TEXT_DATA`` (default ``../shared/data/text``
beside the checkout) and their tests skip with the reason when they are absent.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import write_tarball

from keras_seqzoo import datasets
from keras_seqzoo.cli import _run_options, build_parser, main
from keras_seqzoo.datasets import _download, named

ROOT = Path(os.environ.get(named.TEXT_DATA_ENV)
            or Path(__file__).resolve().parents[2] / "shared" / "data" / "text")
KW = {"vocab_size": 60, "max_length": 12, "batch_size": 4}

pytestmark = pytest.mark.one_backend  # data code: the same under every backend


@pytest.fixture()
def home(clean_env, monkeypatch):
    """An empty Keras home (not created), no $KERAS_SEQZOO_TEXT_DATA, a private cache."""
    monkeypatch.delenv(named.TEXT_DATA_ENV, raising=False)
    return clean_env


def _need_real(*names: str) -> Path:
    missing = [n for n in names if not (ROOT / n).is_file()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} in {ROOT}: set {named.TEXT_DATA_ENV} to the "
                    "folder holding the shared text data sets (../shared/data/text)")
    return ROOT


# -- tiny files in the home pages' formats (and the local copies') --------------------------

SMS = [("ham", f"see you at {i} tonight ok") for i in range(20)] + [
    ("spam", f"WIN a prize {i} call now free") for i in range(10)]
R8_CLASSES = ("acq", "crude", "earn")


def _r8_rows(split: str) -> list[tuple[str, str]]:
    n = 10 if split == "train" else 3
    return [(c, f"{c} shares oil profit word{i} {split}") for c in R8_CLASSES for i in range(n)]


def write_sms_zip(folder: Path, name: str = "smsspamcollection.zip") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / name, "w") as archive:
        archive.writestr("SMSSpamCollection", "".join(f"{l}\t{t}\n" for l, t in SMS))
        archive.writestr("readme", "SMS Spam Collection v.1 (a test copy)\n")
    return folder / name


def write_sms_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SMSSpamCollection"
    path.write_text("".join(f"{l}\t{t}\n" for l, t in SMS), encoding="utf-8")
    return path


def write_r8_home(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        (folder / f"r8-{split}-all-terms.txt").write_text(
            "".join(f"{c}\t{t}\n" for c, t in _r8_rows(split)), encoding="ascii")
    return folder


def write_r8_csv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        (folder / f"reuters-r8-{split}.csv").write_text(
            "text,label\n" + "".join(f"{t},{c}\n" for c, t in _r8_rows(split)), encoding="ascii")
    return folder


def write_newsgroups(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for split, n in (("train", 10), ("test", 3)):
        for group in ("comp.graphics", "rec.autos", "sci.space"):
            for i in range(n):
                # UTF-8 bytes of "café", read as Latin-1 (the archive's encoding): "cafÃ©"
                files[f"20news-bydate-{split}/{group}/{1000 + i}"] = (
                    f"From: someone@{group}\nSubject: {group} {i}\n\ncafé {group} text {i}\n")
    return write_tarball(folder / "20news-bydate.tar.gz", files)


def test_sms_spam_home_zip_and_bare_file(home, tmp_path):
    write_sms_zip(tmp_path / "zip")
    data = datasets.load_data("sms_spam", data_dir=tmp_path / "zip", **KW)
    assert data.class_names == ("ham", "spam") and data.positive_class == "spam"
    assert data.num_train + data.num_validation + data.num_test == 30
    assert data.info["label_counts"]["test"] == [2, 1]  # a stratified 10 %: no split given
    source = data.info["source"]
    assert (source["name"], source["origin"], Path(source["files"][0]).name) == (
        "sms_spam", "argument", "smsspamcollection.zip")
    write_sms_file(tmp_path / "bare")
    bare = datasets.load_data("sms-spam", data_dir=tmp_path / "bare", **KW)  # '-' for '_'
    assert bare.info["source"]["files"] == [str(tmp_path / "bare" / "SMSSpamCollection")]
    assert bare.info["label_counts"] == data.info["label_counts"]
    browser = write_sms_zip(tmp_path / "browser", "sms+spam+collection.zip")
    assert datasets.load_data("sms_spam", data_dir=browser.parent, **KW).num_classes == 2


def test_reuters_r8_home_tsv_and_local_csv(home, tmp_path):
    data = datasets.load_data("reuters_r8", data_dir=write_r8_home(tmp_path / "home"), **KW)
    assert data.class_names == R8_CLASSES
    assert (data.num_train + data.num_validation, data.num_test) == (30, 9)
    assert data.info["splits"]["test"]["source"] == (
        "Reuters-21578 R8 (Cardoso-Cachopo): r8-test-all-terms.txt")
    csv_copy = datasets.load_data("reuters_r8", data_dir=write_r8_csv(tmp_path / "csv"), **KW)
    assert csv_copy.class_names == R8_CLASSES and csv_copy.num_test == 9
    assert csv_copy.info["source"]["format"] == "CSV with the header text,label"
    assert csv_copy.numpy()[2][1].tolist() == data.numpy()[2][1].tolist()  # same labels


def test_20newsgroups_home_archive_latin1(home, tmp_path):
    archive = write_newsgroups(tmp_path / "news")
    assert datasets._cache.file_sha256(archive) != named.NEWSGROUPS_SHA256  # a local copy: by name
    data = datasets.load_data("20newsgroups", data_dir=archive.parent, **KW)
    assert data.class_names == ("comp.graphics", "rec.autos", "sci.space")
    assert (data.num_train + data.num_validation, data.num_test) == (30, 9)
    assert data.info["splits"]["test"]["source"] == "20 Newsgroups (bydate): 20news-bydate-test"
    vocabulary = data.encoder.vocabulary  # read as Latin-1: not UTF-8's "café"
    assert "cafÃ©" in vocabulary and "café" not in vocabulary


# -- where the files are found ---------------------------------------------------------------


def test_lookup_order_data_dir_then_env_then_keras_cache(home, tmp_path, monkeypatch):
    cache = home / ".keras" / "datasets"
    write_sms_file(cache)  # Keras' cache, as get_file keeps it (KERAS_HOME honoured)
    assert datasets.load_data("sms_spam", **KW).info["source"]["origin"] == "keras_cache"
    env = tmp_path / "shared"
    write_r8_home(env)  # a folder of other data sets: sms_spam is looked for further on
    monkeypatch.setenv(named.TEXT_DATA_ENV, str(env))
    assert datasets.load_data("sms_spam", **KW).info["source"]["origin"] == "keras_cache"
    write_sms_zip(env)
    found = datasets.load_data("sms_spam", **KW).info["source"]
    assert (found["origin"], found["files"]) == ("environment", [str(env / "smsspamcollection.zip")])
    write_sms_file(tmp_path / "mine")
    assert datasets.load_data("sms_spam", data_dir=tmp_path / "mine",
                              **KW).info["source"]["origin"] == "argument"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.delenv(named.TEXT_DATA_ENV)
    with pytest.raises(datasets.DatasetError, match="not on this machine, and download=False"):
        datasets.load_data("sms_spam", download=False, **KW)


def test_data_dir_must_hold_the_files(home, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "r8-train-all-terms.txt").write_text("earn\tx\n")
    with pytest.raises(datasets.DatasetError) as excinfo:
        datasets.load_data("reuters_r8", data_dir=partial)
    message = str(excinfo.value)
    assert "load_data('reuters_r8'): data_dir=" in message
    assert "r8-train-all-terms.txt and r8-test-all-terms.txt or reuters-r8-train.csv and " \
           "reuters-r8-test.csv" in message
    assert f"{partial} lacks r8-test-all-terms.txt" in message
    with pytest.raises(datasets.DatasetError, match="is not a folder"):
        datasets.load_data("sms_spam", data_dir=partial / "r8-train-all-terms.txt")
    with pytest.raises(ValueError, match="data_dir= is the folder of a named data set"):
        datasets.load_data(str(partial / "r8-train-all-terms.txt"), data_dir=partial)
    with pytest.raises(ValueError, match="brings its own splits"):
        datasets.load_data("reuters_r8", test="x.csv")


def test_unknown_names_get_did_you_mean(home, tmp_path):
    for typed, meant in (("sms_spma", "sms_spam"), ("20news", "20newsgroups"),
                         ("r8", "reuters_r8"), ("Reuters-R8x", "reuters_r8")):
        with pytest.raises(ValueError, match=f"Did you mean '{meant}'") as excinfo:
            datasets.load_data(typed)
        assert "neither a file or folder nor a named data set" in str(excinfo.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):  # a path stays a path
        datasets.load_data(str(tmp_path / "sms_spam.csv"))
    with pytest.raises(ValueError, match="Did you mean 'sms_spam'"):
        named.load_named("sms")


# -- downloads: offline, checksums, nothing written ------------------------------------------


def _serve(monkeypatch, name: str, *urls: str, sha256: str | None = None) -> None:
    """Points the named data set's downloads at ``urls`` (the origin constants)."""
    spec = named.NAMED_DATASETS[name]
    downloads = tuple(dataclasses.replace(remote, url=url, sha256=sha256 or remote.sha256)
                      for remote, url in zip(spec.downloads, urls))
    monkeypatch.setitem(named.NAMED_DATASETS, name, dataclasses.replace(spec, downloads=downloads))


def test_offline_error_names_data_set_url_and_where_to_put_it(home, tmp_path, monkeypatch):
    missing = (tmp_path / "nowhere" / "smsspamcollection.zip").as_uri()
    _serve(monkeypatch, "sms_spam", missing)
    with pytest.raises(datasets.DatasetError) as excinfo:
        datasets.load_data("sms_spam")
    message = str(excinfo.value)
    assert message.startswith("load_data('sms_spam'): the SMS Spam Collection v.1 is not on "
                              f"this machine, and the download from {missing} failed")
    for where in ("data_dir=", "--data-dir", f"${named.TEXT_DATA_ENV}",
                  str(home / ".keras" / "datasets"), "SMSSpamCollection", "nothing was written"):
        assert where in message
    assert not (home / ".keras").exists()  # nothing written, not even the cache folder
    # A host that refuses the connection: called offline at once, no download tried.
    _serve(monkeypatch, "sms_spam", "http://127.0.0.1:9/smsspamcollection.zip")
    with pytest.raises(datasets.DatasetError, match=r"offline \(cannot reach 127\.0\.0\.1:9"):
        datasets.load_data("sms_spam")
    assert not (home / ".keras").exists()


def test_download_lands_in_keras_cache(home, tmp_path, monkeypatch):
    served = write_r8_home(tmp_path / "served")
    _serve(monkeypatch, "reuters_r8", *(
        (served / f"r8-{split}-all-terms.txt").as_uri() for split in ("train", "test")))
    data = datasets.load_data("reuters_r8", **KW)
    cache = home / ".keras" / "datasets"
    assert data.info["source"]["origin"] == "keras_download"
    assert sorted(p.name for p in cache.iterdir()) == ["r8-test-all-terms.txt",
                                                        "r8-train-all-terms.txt"]
    assert data.num_test == 9
    assert datasets.load_data("reuters_r8", **KW).info["source"]["origin"] == "keras_cache"


def test_bad_downloads_are_removed(home, tmp_path, monkeypatch):
    archive = write_newsgroups(tmp_path / "served")
    _serve(monkeypatch, "20newsgroups", archive.as_uri())  # the published SHA-256: mismatch
    with pytest.raises(datasets.DatasetError, match=r"SHA-256 [0-9a-f]{64}, not the published "
                                                    r"8f1b2514.*was removed"):
        datasets.load_data("20newsgroups")
    assert not (home / ".keras").exists()
    page = tmp_path / "served" / "error.html"  # what a server may answer instead of the zip
    page.write_text("<html>Moved</html>")
    _serve(monkeypatch, "sms_spam", page.as_uri())
    with pytest.raises(datasets.DatasetError, match="does not read as UCI's zip and was removed"):
        datasets.load_data("sms_spam")
    assert not (home / ".keras").exists()
    _serve(monkeypatch, "20newsgroups", archive.as_uri(), sha256=datasets._cache.file_sha256(archive))
    assert datasets.load_data("20newsgroups", **KW).info["source"]["origin"] == "keras_download"


def test_imdb_downloads_share_the_download_code():
    from keras_seqzoo.datasets import imdb

    assert imdb._unreachable is _download.unreachable
    assert _download.unreachable("file:///tmp/x.zip") is None


# -- the command line ------------------------------------------------------------------------


def test_command_line_lists_the_names_and_takes_data_dir(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for name in datasets.load.NAMED:
        assert name in help_text
    assert "--data-dir DIR" in help_text
    args = build_parser().parse_args(["compare", "fasttext", "--data", "sms_spam",
                                      "--data-dir", str(tmp_path)])
    options = _run_options(args)
    assert options["source"] == "sms_spam"
    assert options["data_options"] == {"data_dir": str(tmp_path)}


# -- the real data sets ----------------------------------------------------------------------

REAL = {
    "20newsgroups": (("20news-bydate.tar.gz",), 20, 11314, 7532),
    "reuters_r8": (("reuters-r8-train.csv", "reuters-r8-test.csv"), 8, 5485, 2189),
    "sms_spam": (("SMSSpamCollection",), 2, 5574, 0),
}


@pytest.mark.real_data
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_named_data_sets(name, home, monkeypatch):
    files, classes, train, test = REAL[name]
    monkeypatch.setenv(named.TEXT_DATA_ENV, str(_need_real(*files)))
    data = datasets.load_data(name, max_length=64)
    assert data.num_classes == classes
    assert data.info["source"]["origin"] == "environment"
    if test:
        assert (data.num_train + data.num_validation, data.num_test) == (train, test)
    else:  # no split: a stratified test fraction is held out
        assert data.num_train + data.num_validation + data.num_test == train
        counts = [sum(c) for c in zip(*data.info["label_counts"].values())]
        assert counts == [4827, 747] and data.positive_class == "spam"
        assert data.info["splits"]["test"]["source"] == "10 % of train, stratified, seed 0"


@pytest.mark.real_data
@pytest.mark.slow
def test_real_command_line_sms_spam_reports_spam_f1(tmp_path):
    root = _need_real("SMSSpamCollection")
    out = tmp_path / "run"
    env = {**os.environ, "HOME": str(tmp_path / "home"),
           "KERAS_HOME": str(tmp_path / "home" / ".keras"),
           datasets.CACHE_ENV: str(tmp_path / "cache")}
    env.pop(named.TEXT_DATA_ENV, None)  # found through --data-dir alone
    done = subprocess.run(
        [sys.executable, "-m", "keras_seqzoo", "compare", "fasttext", "--data", "sms_spam",
         "--data-dir", str(root), "--epochs", "1", "--limit", "140", "--max-length", "40", "-q", "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = json.loads((out / "comparison.json").read_text())["rows"]
    assert "test_f1" in row and 0.0 <= row["test_f1"] <= 1.0, sorted(row)
    assert "positive class 'spam'" in (out / "comparison.md").read_text()
