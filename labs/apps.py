from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"

    def ready(self):
        from courses import hooks

        @hooks.on_gradebook("labs")
        def lab_columns(user_ids, *, now):
            from .services import gradebook_columns

            return gradebook_columns(user_ids)

        @hooks.on_due_target("lab")
        def labs_due(content_ids, *, user=None):
            from .models import Lab
            from .services import best_scores

            rows = Lab.objects.published().order_by("module__position", "content_id")
            if content_ids is not None:
                rows = rows.filter(content_id__in=content_ids)
            rows = list(rows.only("content_id", "title"))
            best = best_scores(user, rows) if user is not None and rows else {}
            return {
                lab.content_id: {
                    "title": lab.title,
                    "url": lab.get_absolute_url(),
                    "done": (best.get(lab.pk) or 0) >= 0.999,  # full marks
                }
                for lab in rows
            }

        @hooks.on_module_page("labs")
        def module_labs(module):
            from .models import Lab

            return list(Lab.objects.published().filter(module=module))
