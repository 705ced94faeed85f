# DRF's authtoken app is gone: its table held every key in clear, so it goes too (and with it the
# keys that would otherwise stay in every backup). Its migration records go with it, so that adding
# the app back would start from an empty table.
from django.db import migrations

DROP = [
    "DROP TABLE IF EXISTS authtoken_token",
    "DELETE FROM django_migrations WHERE app = 'authtoken'",
]


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunSQL(statement, reverse_sql=migrations.RunSQL.noop) for statement in DROP]
