from django.core.management.base import BaseCommand, CommandError

from audit.verification import chain_verify


class Command(BaseCommand):
    help = "校验行为日志哈希链 / Verify the hash-chained audit log"

    def handle(self, *args, **options):
        report = chain_verify()
        if report.ok:
            self.stdout.write(f"通过 PASS：已校验 {report.checked} 条，链头 #{report.head_seq}")
            return
        raise CommandError(f"失败 FAIL：第一处断链在 #{report.broken_seq}：{report.problem}")
