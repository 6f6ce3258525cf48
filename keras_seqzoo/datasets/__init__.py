"""Data pipelines: IMDB as in the slides, and your own labelled text.

``load_imdb`` finds the IMDB reviews (an explicit path, ``$KERAS_SEQZOO_IMDB``,
Keras' cache ``~/.keras/datasets``, tensorflow-datasets, then a download),
encodes them with a 10,000-word vocabulary and 120 tokens, or an 8k subword
vocabulary (8185) with variable lengths, caches the fitted encoder and the ids
on disk (``$KERAS_SEQZOO_CACHE``, default ``~/.keras/seqzoo_cache``), and
returns batched, prefetched ``tf.data`` pipelines and NumPy arrays.

Importing this module imports TensorFlow (for ``tf.data``) lazily, on the
first load.

Example:

```python
from keras_seqzoo import datasets
data = datasets.load_imdb(encoding="words")   # or "subwords"
data.vocab_size                               # 10000 (8185 for subwords)
data.num_train, data.num_validation           # 25000, 25000
model.fit(data.train, validation_data=data.validation, epochs=10)
```
"""

from __future__ import annotations

from keras_seqzoo.datasets._cache import CACHE_ENV, default_cache_dir
from keras_seqzoo.datasets._data import DatasetError, RawSplits, TextClassificationData
from keras_seqzoo.datasets.encoders import SubwordEncoder, WordEncoder, make_encoder
from keras_seqzoo.datasets.imdb import (
    IMDB_ENV,
    IMDB_URL,
    ImdbNotFoundError,
    ImdbSource,
    find_imdb,
    load_imdb,
    read_imdb,
)
from keras_seqzoo.datasets.text import from_texts, load_text_files, read_labelled_texts

__all__ = [
    "CACHE_ENV",
    "DatasetError",
    "IMDB_ENV",
    "IMDB_URL",
    "ImdbNotFoundError",
    "ImdbSource",
    "RawSplits",
    "SubwordEncoder",
    "TextClassificationData",
    "WordEncoder",
    "default_cache_dir",
    "find_imdb",
    "from_texts",
    "load_imdb",
    "load_text_files",
    "make_encoder",
    "read_imdb",
    "read_labelled_texts",
]
