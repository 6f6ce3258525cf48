"""The old import path of :mod:`keras_seqzoo.datasets.data` (kept for existing imports)."""

from keras_seqzoo.datasets.data import (  # noqa: F401
    DatasetError,
    RawSplits,
    TextClassificationData,
    bucket_boundaries,
    build_data,
    texts_of,
)
