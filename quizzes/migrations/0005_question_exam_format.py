from django.db import migrations, models


def work_out_exam_format(apps, schema_editor):
    """Existing questions get the flag now, so exams draw at once (the next sync_content keeps it up to date)."""
    from quizzes.exams import is_exam_format

    Question = apps.get_model("quizzes", "Question")
    for question in Question.objects.only("pk", "qtype", "spec").iterator():
        question.exam_format = None  # read the spec, not the default
        flag = is_exam_format(question)
        Question.objects.filter(pk=question.pk).update(exam_format=flag)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_practice_exams"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="exam_format",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(work_out_exam_format, migrations.RunPython.noop),
    ]
