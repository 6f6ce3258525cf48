"""Data pipelines: IMDB, generated ListOps, and your own labelled text, in three splits.

``load_imdb`` finds the IMDB reviews (an explicit path, ``$KERAS_SEQZOO_IMDB``,
Keras' cache ``~/.keras/datasets``, tensorflow-datasets, then a download),
encodes them with a 10,000-word vocabulary and 120 tokens, or an 8k subword
vocabulary (8185) with variable lengths, caches the fitted encoder and the ids
on disk (``$KERAS_SEQZOO_CACHE``, default ``~/.keras/seqzoo_cache``), and
returns batched, prefetched ``tf.data`` pipelines and NumPy arrays. :func:`load_data` is
the one entry point: IMDB, ``"listops"``, a named data set (``"20newsgroups"``,
``"reuters_r8"``, ``"sms_spam"``: :func:`load_named` finds them in ``data_dir=``,
``$KERAS_SEQZOO_TEXT_DATA`` or Keras' cache, else downloads them from their home pages)
or a path (CSV, TSV, JSON Lines, a folder per class or an archive of one). Under the sound
protocol (the default) models are selected on a validation split and tested once on a test
split; ``protocol="slides"`` validates on IMDB's test set as the slides did.

Importing this module imports TensorFlow (for ``tf.data``) lazily, on the
first load.

Example:

```python
from keras_seqzoo import datasets
data = datasets.load_imdb(encoding="words")   # or "subwords"
data.vocab_size                               # 10000 (8185 for subwords)
data.num_train, data.num_validation, data.num_test   # 22500, 2500, 25000
model.fit(data.train, validation_data=data.validation, epochs=10)
model.evaluate(data.test)
```
"""

from __future__ import annotations

from keras_seqzoo.datasets._cache import CACHE_ENV, default_cache_dir
from keras_seqzoo.datasets.data import TextClassificationData, bucket_boundaries
from keras_seqzoo.datasets.encoders import SubwordEncoder, WordEncoder, make_encoder
from keras_seqzoo.datasets.errors import DatasetError
from keras_seqzoo.datasets.imdb import (
    IMDB_ENV,
    IMDB_SHA256,
    IMDB_URL,
    ImdbNotFoundError,
    ImdbSource,
    find_imdb,
    load_imdb,
    read_imdb,
)
from keras_seqzoo.datasets.listops import evaluate_listops, make_listops
from keras_seqzoo.datasets.load import load_data
from keras_seqzoo.datasets.named import TEXT_DATA_ENV, load_named
from keras_seqzoo.datasets.options import DEFAULT_MAX_LENGTH, PROTOCOLS, DataOptions
from keras_seqzoo.datasets.splits import RawSplits
from keras_seqzoo.datasets.text import FORMATS, from_texts, load_text_files, read_labelled_texts

__all__ = [
    "CACHE_ENV",
    "DEFAULT_MAX_LENGTH",
    "DataOptions",
    "DatasetError",
    "FORMATS",
    "IMDB_ENV",
    "IMDB_SHA256",
    "IMDB_URL",
    "ImdbNotFoundError",
    "ImdbSource",
    "PROTOCOLS",
    "RawSplits",
    "SubwordEncoder",
    "TEXT_DATA_ENV",
    "TextClassificationData",
    "WordEncoder",
    "bucket_boundaries",
    "default_cache_dir",
    "evaluate_listops",
    "find_imdb",
    "from_texts",
    "load_data",
    "load_imdb",
    "load_named",
    "load_text_files",
    "make_encoder",
    "make_listops",
    "read_imdb",
    "read_labelled_texts",
]
