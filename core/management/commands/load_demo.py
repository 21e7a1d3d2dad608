import os

from django.core.management.base import BaseCommand

from core.demo import credentials_file, demo_history, demo_hooks_run, demo_load


class Command(BaseCommand):
    help = "载入演示县（宽城满族自治县）的部门与账号 / Load the demo county (idempotent)"

    def handle(self, *args, **options):
        with demo_history():  # one history, in time order, ending now
            results = demo_load()
            demo_hooks_run(self.stdout)
        path = credentials_file()
        known: dict[str, str] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) >= 2:
                    known[parts[0]] = parts[1]
        new = 0
        for demo, password in results:
            if password is not None:
                known[demo.username] = password
                new += 1
        lines = []
        for demo, _ in results:
            lines.append(
                "\t".join(
                    [
                        demo.username,
                        known.get(demo.username, "（已存在，密码未知）"),
                        demo.full_name,
                        demo.department,
                        ",".join(demo.roles),
                    ]
                )
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
        self.stdout.write(
            f"演示数据：新增账号 {new} 个，共 {len(results)} 个。账号与密码（仅限演示）保存在 {path}"
        )
