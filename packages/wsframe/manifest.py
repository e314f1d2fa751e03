# Freezes wsframe into a MicroPython firmware: include this file from the board's
# manifest (FROZEN_MANIFEST). Written by tools/board.py (python3 tools/board.py write).
metadata(description="WebSocket (RFC 6455) framing and handshake, sans-I/O", version="0.1.0")
package(
    "wsframe",
    files=(
        "__init__.py",
        "_extras.py",
        "_utf8.py",
    ),
)
