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


_dashboard = {}
_module_page = {}
_lesson_page = {}


def on_dashboard(name: str):
    """Register function(user) -> value, shown on the learner's dashboard as `name` (e.g. review counts)."""

    def register(function):
        _dashboard[name] = function
        return function

    return register


def dashboard_context(user) -> dict:
    return {name: function(user) for name, function in _dashboard.items()}


def on_module_page(name: str):
    """Register function(module) -> value, shown on a module's page as `name` (its labs, its question count)."""

    def register(function):
        _module_page[name] = function
        return function

    return register


def module_page_context(module) -> dict:
    return {name: function(module) for name, function in _module_page.items()}


def on_lesson_page(name: str):
    """Register function(lesson) -> value, shown on a lesson's page as `name` (the size of its check)."""

    def register(function):
        _lesson_page[name] = function
        return function

    return register


def lesson_page_context(lesson) -> dict:
    return {name: function(lesson) for name, function in _lesson_page.items()}


_gradebook = {}


def on_gradebook(name: str):
    """Register function(user_ids, *, now) -> {user_id: {column: value}}: columns of a cohort's gradebook.

    Each function must answer for all the students at once in a fixed number of queries."""

    def register(function):
        _gradebook[name] = function
        return function

    return register


def gradebook_columns(user_ids, *, now) -> dict:
    """{user_id: {column: value}} merged from every app's gradebook functions."""
    merged = {user_id: {} for user_id in user_ids}
    for function in _gradebook.values():
        for user_id, columns in function(user_ids, now=now).items():
            merged.setdefault(user_id, {}).update(columns)
    return merged


_due_targets = {}


def on_due_target(kind: str):
    """Register function(content_ids, *, user=None) -> {content_id: {"title", "url", "done"}} for what a cohort
    may set due dates on (kind "lab", "exam"...): content_ids None means every live one; with a user, "done"
    says whether that student has done it (else False). One or two queries, whatever the number of ids."""

    def register(function):
        _due_targets[kind] = function
        return function

    return register


def due_targets(kind: str, content_ids=None, *, user=None) -> dict:
    function = _due_targets.get(kind)
    return function(content_ids, user=user) if function else {}
