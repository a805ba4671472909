import pytest

from labs import sandbox
from tests.conftest import require


@pytest.fixture(params=["bwrap", "docker"])
def backend(request):
    """Each sandbox test runs on both backends; a missing backend skips locally and fails in CI."""
    ok, why = sandbox.BACKENDS[request.param].available()
    require(ok, f"{request.param} sandbox: {why}")
    return request.param


@pytest.fixture
def lab(db, content_dir, settings):
    """The minimal course plus a copy of the lambda-cost-calculator lab (in module alpha), synced."""
    import io
    import shutil

    from django.core.management import call_command

    from labs.models import Lab

    target = content_dir / "labs" / "lambda-cost-calculator"
    shutil.copytree(settings.BASE_DIR / "content" / "labs" / "lambda-cost-calculator", target)
    lab_md = target / "lab.md"
    lab_md.write_text(lab_md.read_text().replace("module: lambda", "module: alpha"))
    settings.CONTENT_DIR = content_dir
    call_command("sync_content", "--path", str(content_dir), stdout=io.StringIO())
    return Lab.objects.get(content_id="lambda-cost-calculator")


@pytest.fixture
def solution_files(settings):
    folder = settings.BASE_DIR / "content" / "labs" / "lambda-cost-calculator" / "solution"
    return {"pricing.py": (folder / "pricing.py").read_text()}
