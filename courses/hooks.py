"""Moments of courses that other apps act on. courses is the ground floor and imports neither quizzes nor
labs (DESIGN.md): they register here from their AppConfig.ready()."""

_account_created = []


def on_account_created(function):
    """Register function(user, *, request), called once a new account exists (after e-mail confirmation)."""
    _account_created.append(function)
    return function


def account_created(user, *, request) -> None:
    for function in _account_created:
        function(user, request=request)
