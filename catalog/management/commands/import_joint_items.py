from ._base import ImportCommand


class Command(ImportCommand):
    help = "导入部门联合抽查事项清单到草稿（须为双随机办账号）；全部校验通过才写入，可重复导入。"
    kind = "joint_items"
