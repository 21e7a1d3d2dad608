"""Seed the current SAMR result code set (default) and the 2014–2016 legacy set."""

from django.db import migrations


def seed(apps, schema_editor):
    from inspections.category_sets import seed_category_sets

    seed_category_sets(
        apps.get_model("inspections", "ResultCategorySet"),
        apps.get_model("inspections", "ResultCategory"),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
