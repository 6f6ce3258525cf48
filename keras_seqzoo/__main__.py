"""``python -m keras_seqzoo``: the ``seqzoo`` command."""

import sys

from keras_seqzoo.cli import main

if __name__ == "__main__":
    sys.exit(main())
