"""``python -m adapters.ontario PATH …``: the same as ``transferhub adapter ontario PATH …``."""

import sys

from transferhub.cli.adapter import main_for

if __name__ == "__main__":
    sys.exit(main_for("ontario"))
