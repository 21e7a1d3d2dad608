from ._importing import ImportCommand


class Command(ImportCommand):
    help = "从 Excel/CSV 导入专家名录 / Import experts"
    kind = "experts"
