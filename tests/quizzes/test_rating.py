"""The rating comes from the answer: wrong Again, right Good, slow or retried Hard, quick on a review card Easy."""

import pytest
from fsrs import Rating

from quizzes.models import Card
from quizzes.services import QUICK_FRACTION, rating_for, slow_after_seconds

REVIEW = Card.State.REVIEW
LEARNING = Card.State.LEARNING


def test_thresholds_scale_with_type_and_difficulty():
    assert slow_after_seconds("single", 1) == 20
    assert slow_after_seconds("single", 3) == 40
    assert slow_after_seconds("numeric", 2) == 90
    assert QUICK_FRACTION == 0.4


@pytest.mark.parametrize(
    ("correct", "attempts", "seconds", "state", "expected"),
    [
        (False, 1, 5, REVIEW, Rating.Again),
        (False, 2, 5, LEARNING, Rating.Again),
        (True, 1, 12, LEARNING, Rating.Good),
        (True, 1, 12, REVIEW, Rating.Good),  # 12 s is more than 40% of 20 s
        (True, 1, 8, REVIEW, Rating.Easy),  # 8 s is exactly 40%
        (True, 1, 5, LEARNING, Rating.Good),  # quick, but not a review card yet
        (True, 1, 5, None, Rating.Good),  # a new card
        (True, 1, 21, REVIEW, Rating.Hard),  # slower than 20 s
        (True, 2, 3, REVIEW, Rating.Hard),  # right after a retry
    ],
)
def test_rating_policy(correct, attempts, seconds, state, expected):
    assert (
        rating_for(correct=correct, attempts=attempts, seconds=seconds, qtype="single", difficulty=1, state=state)
        == expected
    )
