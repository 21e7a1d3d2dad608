from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from regions.services import regions_load


class Command(BaseCommand):
    help = "载入全国行政区划（省/市/县/乡）/ Load the administrative division tree"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.DIVISIONS_DIR))
        parser.add_argument("--province", help="只载入一个省，如 13 / only one province")

    def handle(self, *args, **options):
        report = regions_load(directory=Path(options["dir"]), only_province=options["province"])
        self.stdout.write(
            f"行政区划：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}"
        )
