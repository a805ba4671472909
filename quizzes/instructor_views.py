"""Instructor pages of the question bank: item analysis, overall or for one of the instructor's cohorts."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from courses.models import Cohort, CohortMembership
from courses.roles import is_instructor

from . import analytics, variants


@require_GET
def item_analysis(request):
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")
    taught = list(Cohort.objects.taught_by(request.user).only("pk", "name"))
    cohort = None
    raw = request.GET.get("cohort", "")
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return render(request, "quizzes/item_analysis.html", {"error": "Choose one of your cohorts."}, status=400)
        cohort = get_object_or_404(Cohort.objects.taught_by(request.user), pk=int(raw))
    user_ids = CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True) if cohort else None
    items = analytics.item_analysis(user_ids=user_ids)
    flagged_only = request.GET.get("flagged") == "1"
    rows = sorted(items, key=lambda i: (not i.flags, -(i.attempts or 0), i.question.pk))
    if flagged_only:
        rows = [i for i in rows if i.flags]
    for item in rows:  # as plain text, from one variant (placeholders filled), for a list
        html = variants.render_variant(item.question.spec, 0).public["prompt_html"]
        item.prompt = Truncator(strip_tags(html).strip()).chars(160)
    context = {
        "rows": rows,
        "cohorts": taught,
        "cohort": cohort,
        "flagged_only": flagged_only,
        "flagged_count": sum(1 for i in items if i.flags),
        "answered_count": sum(1 for i in items if i.attempts),
        "total": len(items),
        "min_responses": analytics.MIN_RESPONSES,
    }
    return render(request, "quizzes/item_analysis.html", context)
