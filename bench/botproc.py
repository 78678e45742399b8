"""`python -m bot` with proposed fixes applied first (bench/fixes.py), for bench.memory.

python -m bench.botproc --fix uvloop run --config config.toml
"""

from __future__ import annotations

import sys

from bench.fixes import FIXES
from bench.fixes import apply as apply_fixes


def main(argv: list[str]) -> int:
    fixes = []
    while len(argv) >= 2 and argv[0] == "--fix":
        if argv[1] not in FIXES:
            raise SystemExit(f"unknown fix {argv[1]!r} (known: {', '.join(FIXES)})")
        fixes.append(argv[1])
        argv = argv[2:]
    apply_fixes(fixes)
    from bot.cli import main as bot_main

    return bot_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
