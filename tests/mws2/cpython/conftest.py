"""The ``server_mode`` fixture: a test that takes it runs once per way mws2 runs."""

import mws2_harness
import pytest


@pytest.fixture(params=mws2_harness.MODES)
def server_mode(request):
    mws2_harness.DEFAULT_MODE[0] = request.param
    try:
        yield request.param
    finally:
        mws2_harness.DEFAULT_MODE[0] = "pool"
