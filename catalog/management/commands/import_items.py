from ._base import ImportCommand


class Command(ImportCommand):
    help = "导入随机抽查事项清单（本平台模板或省级清单原表，含合并单元格）到清单草稿；全部校验通过才写入，可重复导入。"
    kind = "items"
