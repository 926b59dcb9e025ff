"""``python -m transferhub``: the same as the ``transferhub`` console script."""

import sys

from transferhub.cli.entry import main

sys.exit(main())
