from django.core.management.base import BaseCommand

from core.demo import credentials_file


class Command(BaseCommand):
    help = "显示演示账号与密码 / Print the demo accounts and passwords"

    def handle(self, *args, **options):
        path = credentials_file()
        if not path.exists():
            self.stdout.write("尚未载入演示数据：运行 make run 或 manage.py load_demo")
            return
        self.stdout.write("演示账号（仅限本机演示，请勿用于生产）：")
        self.stdout.write(f"{'账号':<22}{'密码':<20}角色 / 部门")
        for line in path.read_text(encoding="utf-8").splitlines():
            username, password, name, department, roles = (line.split("\t") + [""] * 5)[:5]
            self.stdout.write(f"{username:<24}{password:<20}{roles}  {name} / {department}")
