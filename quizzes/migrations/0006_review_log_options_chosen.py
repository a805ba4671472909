from django.db import migrations, models


def backfill(apps, schema_editor):
    """Answers recorded before the column existed get their options as written (the shuffle undone)."""
    from quizzes.variants import KEYS, option_order

    Question = apps.get_model("quizzes", "Question")
    ReviewLog = apps.get_model("quizzes", "ReviewLog")
    specs = dict(Question.objects.filter(qtype__in=["single", "multiple"]).values_list("pk", "spec"))
    batch = []
    rows = ReviewLog.objects.filter(question_id__in=list(specs), options_chosen__isnull=True).only(
        "pk", "question_id", "variant_seed", "answer"
    )
    for log in rows.iterator(chunk_size=2000):
        keys = log.answer.get("choice", []) if isinstance(log.answer, dict) else []
        if not keys:
            continue
        index = {KEYS[p]: i for p, i in enumerate(option_order(specs[log.question_id], log.variant_seed))}
        log.options_chosen = sum(1 << index[k] for k in set(keys) if k in index)
        batch.append(log)
        if len(batch) >= 2000:
            ReviewLog.objects.bulk_update(batch, ["options_chosen"])
            batch = []
    ReviewLog.objects.bulk_update(batch, ["options_chosen"])


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0005_question_exam_format"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewlog",
            name="options_chosen",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
