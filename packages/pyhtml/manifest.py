# Freezes pyhtml into a MicroPython firmware: include this file from the board's
# manifest (FROZEN_MANIFEST). Written by tools/board.py (python3 tools/board.py write).
metadata(description="the .pyhtml template language", version="0.2.0")
package(
    "pyhtml",
    files=(
        "__init__.py",
        "_compile.py",
        "_debug.py",
    ),
)
