# Descriptions stored before they became rich text are sanitised like every text saved from now on:
# templates render them as HTML. Their history keeps what was written then (the admin shows it escaped).

from django.db import migrations

from iisg.core.richtext import sanitise_html


def sanitise_descriptions(apps, schema_editor):
    Product = apps.get_model("governance", "Product")
    for pk, description in Product.objects.exclude(description="").values_list("pk", "description").iterator():
        clean = sanitise_html(description)
        if clean != description:
            Product.objects.filter(pk=pk).update(description=clean)


class Migration(migrations.Migration):

    dependencies = [
        ("governance", "0002_rich_description_checked_documents"),
    ]

    operations = [
        migrations.RunPython(sanitise_descriptions, migrations.RunPython.noop),
    ]
