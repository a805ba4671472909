"""Request throttles kept in the database (ThrottleHit), so they hold across several web servers."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ThrottleHit


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}\x1f{value}".encode(errors="replace")).hexdigest()


@transaction.atomic
def throttle_hit(*, scope: str, value: str, limit: int, window: timedelta, now=None) -> bool:
    """Count one request for (scope, value); False (and not counted) once `limit` were counted in `window`."""
    now = now or timezone.now()
    ThrottleHit.objects.filter(scope=scope, at__lt=now - window).delete()
    key = _key(scope, value)
    if ThrottleHit.objects.filter(scope=scope, key=key, at__gte=now - window).count() >= limit:
        return False
    ThrottleHit.objects.create(scope=scope, key=key, at=now)
    return True
