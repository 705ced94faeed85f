# Texts stored before the body became rich text are sanitised like every text saved from now on:
# templates render the body as HTML.

from django.db import migrations

from iisg.core.richtext import sanitise_html


def sanitise_bodies(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for pk, body in Event.objects.exclude(body="").values_list("pk", "body").iterator():
        clean = sanitise_html(body)
        if clean != body:
            Event.objects.filter(pk=pk).update(body=clean)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0002_event_image_rich_body"),
    ]

    operations = [
        migrations.RunPython(sanitise_bodies, migrations.RunPython.noop),
    ]
