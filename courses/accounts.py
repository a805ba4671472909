"""Accounts: sign-up with e-mail confirmation, throttled password reset, and what django-axes needs.

Log in, log out and password change are Django's own views (config/urls.py); django-axes locks a username or
a client address out after repeated failed log-ins, on /accounts/login/ and /admin/login/ alike.

Sign-up never tells a visitor whether an address has an account: a new address gets a confirmation link, an
address already in use gets a note to its owner, and both visitors see "check your e-mail". The account is
created only when the link is followed, so an unconfirmed address has no account to log in to or reset.
"""

import hashlib
import ipaddress
import secrets
from datetime import timedelta

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import hooks
from .models import SignupConfirmation
from .throttle import throttle_hit

# --- the client, as django-axes and the throttles see it ----------------------------------------------------


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For entry the
    outermost of them added (entries further left are whatever the client sent, so never trusted)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def login_username(request, credentials=None) -> str | None:
    """The username a log-in attempt is counted under (AXES_USERNAME_CALLABLE): as typed, NUL-free, capped."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    username = source.get("username") if hasattr(source, "get") else None
    if not isinstance(username, str):
        return None
    return username.replace("\x00", "")[:150]


class HeaderNulMiddleware:
    """Refuse a NUL byte in a request header (400): django-axes stores the User-Agent and Accept headers of
    failed log-ins, and PostgreSQL refuses NUL in text. Installed just before axes' middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str)
        ):
            return HttpResponse("NUL bytes are not accepted in headers.\n", status=400, content_type="text/plain")
        return self.get_response(request)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out log-in gets (AXES_LOCKOUT_CALLABLE), on /accounts/login/ and /admin/login/ alike."""
    minutes = max(round(float(settings.AXES_COOLOFF_TIME) * 60), 1)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)


def _email_key(email: str) -> str:
    """One throttle key per mailbox: case and a +tag do not make a new address."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _within_limits(request, action: str, *, email: str | None = None) -> bool:
    """Count this request against the action's per-client (and, given an address, per-address) limit."""
    rule = settings.ACCOUNT_THROTTLES[action]
    window = timedelta(seconds=rule["seconds"])
    if email is None:
        value, limit, scope = client_ip(request) or "unknown", rule["per_client"], f"{action}-client"
    else:
        value, limit, scope = _email_key(email), rule["per_email"], f"{action}-email"
    return throttle_hit(scope=scope, value=value, limit=limit, window=window)


def _throttled(request, action: str):
    rule = settings.ACCOUNT_THROTTLES[action]
    minutes = max(round(rule["seconds"] / 60), 1)
    context = {"action": "sign-ups" if action == "signup" else "password reset requests", "minutes": minutes}
    return render(request, "registration/throttled.html", context, status=429)


# --- sign-up -----------------------------------------------------------------------------------------------


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, max_length=254, help_text="We send a link to confirm it; password resets go there too."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode(errors="replace")).hexdigest()


def _confirm_window() -> timedelta:
    return timedelta(hours=settings.SIGNUP_CONFIRM_HOURS)


def _send(request, *, to: str, template: str, context: dict) -> None:
    context = {**context, "site": request.build_absolute_uri("/").rstrip("/"), "hours": settings.SIGNUP_CONFIRM_HOURS}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    body = render_to_string(f"registration/{template}_email.txt", context)
    send_mail(subject, body, None, [to])


@transaction.atomic
def signup_request(*, request, username: str, email: str, password_hash: str) -> None:
    """Mail a confirmation link for a new address, or a note to the owner of an address already in use."""
    now = timezone.now()
    SignupConfirmation.objects.filter(created_at__lt=now - _confirm_window()).delete()
    owner = User.objects.filter(email__iexact=email).order_by("pk").first()
    if owner is not None:
        _send(request, to=owner.email, template="signup_exists", context={"user": owner})
        return
    SignupConfirmation.objects.filter(email=email).delete()  # one live link per address: the newest
    token = secrets.token_urlsafe(32)
    SignupConfirmation.objects.create(
        username=username, email=email, password=password_hash, token_hash=_token_hash(token), created_at=now
    )
    link = request.build_absolute_uri(reverse("signup_confirm", args=[token]))
    _send(request, to=email, template="signup_confirm", context={"username": username, "link": link})


class SignupConflict(Exception):  # noqa: N818
    """The username or the address was taken between the sign-up and its confirmation."""


def pending_signup(token: str) -> SignupConfirmation | None:
    """The unexpired sign-up a link's token belongs to, if any."""
    cutoff = timezone.now() - _confirm_window()
    return SignupConfirmation.objects.filter(token_hash=_token_hash(token), created_at__gte=cutoff).first()


@transaction.atomic
def signup_confirm(*, token: str) -> User | None:
    """Create the account of a confirmed sign-up (None for an unknown, used or expired link)."""
    pending = pending_signup(token)
    if pending is None:
        return None
    SignupConfirmation.objects.filter(pk=pending.pk).delete()
    if User.objects.filter(username__iexact=pending.username).exists():
        raise SignupConflict("Someone took that username before you confirmed. Sign up again with another one.")
    if User.objects.filter(email__iexact=pending.email).exists():
        raise SignupConflict("This address already has an account. Log in, or reset its password.")
    try:
        with transaction.atomic():
            return User.objects.create(username=pending.username, email=pending.email, password=pending.password)
    except IntegrityError:
        raise SignupConflict(
            "Someone took that username before you confirmed. Sign up again with another one."
        ) from None


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST" and not _within_limits(request, "signup"):
        return _throttled(request, "signup")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not _within_limits(request, "signup", email=email):
            return _throttled(request, "signup")
        signup_request(
            request=request,
            username=form.cleaned_data["username"],
            email=email,
            password_hash=form.save(commit=False).password,
        )
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


@login_not_required
@require_GET
def signup_sent(request):
    return render(request, "registration/signup_sent.html", {"hours": settings.SIGNUP_CONFIRM_HOURS})


@login_not_required
@require_http_methods(["GET", "POST"])
def signup_confirm_view(request, token):
    # GET only shows a button: mail scanners that follow links must not create accounts.
    if request.method == "GET":
        pending = pending_signup(token)
        status = 200 if pending else 400
        return render(request, "registration/signup_confirm.html", {"pending": pending}, status=status)
    try:
        user = signup_confirm(token=token)
    except SignupConflict as exc:
        return render(request, "registration/signup_confirm.html", {"conflict": str(exc)}, status=409)
    if user is None:
        return render(request, "registration/signup_confirm.html", {"pending": None}, status=400)
    hooks.account_created(user, request=request)  # e.g. quizzes keeps the browser's time zone
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Your e-mail is confirmed. Welcome to Spinup, {user.username}.")
    return redirect("home")


# --- password reset ----------------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset (which never says whether an address has an account), throttled per client and address."""

    def post(self, request, *args, **kwargs):
        if not _within_limits(request, "password_reset"):
            return _throttled(request, "password_reset")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not _within_limits(self.request, "password_reset", email=form.cleaned_data["email"]):
            return _throttled(self.request, "password_reset")
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password from the e-mailed link also lifts a log-in lockout on that username."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
