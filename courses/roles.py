"""Roles: every account is a student; instructors are the members of one group."""

from django.contrib.auth.models import Group

INSTRUCTORS_GROUP = "instructors"


def is_instructor(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_spinup_is_instructor", None)
    if cached is None:
        cached = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
        user._spinup_is_instructor = cached
    return cached


def make_instructor(user) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    user.groups.add(group)
    user._spinup_is_instructor = True
