"""Hostile input is refused before any view sees it: oversized bodies (413, before they are read) and NUL
bytes in the query string or form fields (400: no database stores them as text, PostgreSQL refuses them)."""

from django.conf import settings
from django.http import HttpResponse


def _refuse(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return _refuse(400, "The Content-Length header is not a number.")
        if int(length) > settings.MAX_REQUEST_BYTES:
            limit = settings.MAX_REQUEST_BYTES / (1024 * 1024)
            return _refuse(413, f"The request is larger than {limit:.1f} MiB, the most this site accepts.")
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            return _refuse(400, "NUL bytes are not accepted in addresses.")
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields = request.POST  # parsed within DATA_UPLOAD_MAX_* limits; Django answers 400 past them
            if any("\x00" in key or any("\x00" in value for value in fields.getlist(key)) for key in fields):
                return _refuse(400, "NUL bytes are not accepted in form fields.")
        return self.get_response(request)
