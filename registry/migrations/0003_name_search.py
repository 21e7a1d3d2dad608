"""Name-fragment search over millions of entities, one index per database:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over registry_entity.name,
  as an external-content table kept in sync by triggers, so every write path — services, bulk
  import (bulk_create / bulk_update), demo data — updates it in the same transaction.
- PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13) and a GIN trigram index on
  name, which `name LIKE '%fragment%'` uses for fragments of three characters or more.

Fragments shorter than three characters cannot use either index; selectors fall back to a
scan bounded by LIMIT (see registry/selectors.py and docs/performance.md).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE registry_entity_fts USING fts5("
    "name, content='registry_entity', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER registry_entity_fts_ai AFTER INSERT ON registry_entity BEGIN "
    "INSERT INTO registry_entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER registry_entity_fts_ad AFTER DELETE ON registry_entity BEGIN "
    "INSERT INTO registry_entity_fts(registry_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER registry_entity_fts_au AFTER UPDATE OF name ON registry_entity BEGIN "
    "INSERT INTO registry_entity_fts(registry_entity_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); "
    "INSERT INTO registry_entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO registry_entity_fts(registry_entity_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_entity_fts_au",
    "DROP TRIGGER IF EXISTS registry_entity_fts_ad",
    "DROP TRIGGER IF EXISTS registry_entity_fts_ai",
    "DROP TABLE IF EXISTS registry_entity_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS entity_name_trgm_idx ON registry_entity "
    "USING gin (name gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS entity_name_trgm_idx"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_entities_grades_flags")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
