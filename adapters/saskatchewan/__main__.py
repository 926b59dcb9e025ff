"""``python -m adapters.saskatchewan PATH …``: same as ``transferhub adapter saskatchewan``."""

import sys

from transferhub.cli.adapter import main_for

if __name__ == "__main__":
    sys.exit(main_for("saskatchewan"))
