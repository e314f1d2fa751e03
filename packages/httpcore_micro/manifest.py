# Freezes httpcore_micro into a MicroPython firmware: include this file from the board's
# manifest (FROZEN_MANIFEST). Written by tools/board.py (python3 tools/board.py write).
metadata(description="HTTP/1.1 for servers, sans-I/O", version="0.1.0")
package(
    "httpcore_micro",
    files=(
        "__init__.py",
        "_compat.py",
        "_connection.py",
        "_events.py",
        "_helpers.py",
        "_parse.py",
        "_rare.py",
        "_write.py",
        "multipart.py",
    ),
)
