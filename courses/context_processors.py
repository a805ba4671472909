from .roles import is_instructor


def roles(request):
    user = getattr(request, "user", None)
    # A callable: templates only run the query when they actually ask (htmx fragments never do).
    return {"is_instructor": lambda: bool(user and is_instructor(user))}
