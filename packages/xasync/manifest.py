# Freezes xasync into a MicroPython firmware: include this file from the board's
# manifest (FROZEN_MANIFEST). Written by tools/board.py (python3 tools/board.py write).
metadata(description="XAsyncSockets: the asynchronous socket pool", version="0.1.0")
package(
    "xasync",
    files=(
        "__init__.py",
        "_buffers.py",
        "_compat.py",
        "_connect.py",
        "_extras.py",
        "_files.py",
        "_names.py",
        "_nothreads.py",
        "_pool.py",
        "_tcp.py",
        "_tls.py",
        "_udp.py",
        "_workers.py",
    ),
)
