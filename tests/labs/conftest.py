import pytest

from labs import sandbox
from tests.conftest import require


@pytest.fixture(params=["bwrap", "docker"])
def backend(request):
    """Each sandbox test runs on both backends; a missing backend skips locally and fails in CI."""
    ok, why = sandbox.BACKENDS[request.param].available()
    require(ok, f"{request.param} sandbox: {why}")
    return request.param
