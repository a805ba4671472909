import io

import pytest
from django.core.management import call_command


@pytest.fixture
def quiz_content(db, content_dir):
    """The small test course (with one question of each type) loaded into the database."""
    call_command("sync_content", "--path", str(content_dir), stdout=io.StringIO())
    from quizzes.models import Question

    return {q.content_id: q for q in Question.objects.all()}
