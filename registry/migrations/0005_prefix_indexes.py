"""PostgreSQL only: prefix searches (`LIKE '130827%'`) on region_id, uscc and reg_no use a
B-tree index under any database collation only with the *_pattern_ops operator classes.
SQLite answers the same prefixes as BINARY ranges on the ordinary indexes (selectors.prefix_q).
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS entity_region_prefix_idx ON registry_entity "
    "(region_id varchar_pattern_ops, id)",
    "CREATE INDEX IF NOT EXISTS entity_uscc_prefix_idx ON registry_entity "
    "(uscc varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS entity_reg_no_prefix_idx ON registry_entity "
    "(reg_no varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS entity_region_prefix_idx",
    "DROP INDEX IF EXISTS entity_uscc_prefix_idx",
    "DROP INDEX IF EXISTS entity_reg_no_prefix_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_seed_grading_schemes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
