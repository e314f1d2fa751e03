"""The README's example runs as written."""

import os
import re

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                      "packages", "wsframe", "README.md")


def test_readme_example_runs():
    with open(README, encoding="utf-8") as handle:
        blocks = re.findall(r"```python\n(.+?)```", handle.read(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
