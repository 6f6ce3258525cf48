"""The data's error: :class:`DatasetError`."""

from __future__ import annotations

__all__ = ["DatasetError"]


class DatasetError(ValueError):
    """Raised for unusable data, before any training and with nothing written: a corrupt
    or truncated archive, a folder without the expected layout, an empty split, a file
    without the named columns, one class only, a class in validation or test that train
    lacks, labels that are ids in one file and names in another."""
