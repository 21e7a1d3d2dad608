from ._base import ImportCommand


class Command(ImportCommand):
    help = "导入法律法规库（每行一条条文）；全部校验通过才写入，可重复导入。"
    kind = "regulations"
    list_options = False
