"""`python -m bot` is the `wardnews` command."""

import sys

from bot.cli import main

sys.exit(main())
