"""PostgreSQL only: the public site's two-character name search is a prefix (`LIKE '宽城%'`),
which a B-tree answers under any collation only with varchar_pattern_ops (see 0005). SQLite
answers it as a BINARY range on entity_name_idx."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS entity_name_prefix_idx ON registry_entity "
    "(name varchar_pattern_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS entity_name_prefix_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_list_filter_columns")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
