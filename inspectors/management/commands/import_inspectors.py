from ._importing import ImportCommand


class Command(ImportCommand):
    help = (
        "从 Excel/CSV 导入执法检查人员（按执法证号更新）/ Import inspectors, upsert by certificate"
    )
    kind = "inspectors"
