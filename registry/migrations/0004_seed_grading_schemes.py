"""The two grading schemes every installation starts with (others are added on the 信用风险分类
page): 河北省 A–E five levels (seed 002: 由低到高划分的A、B、C、D、E五个等级; it is the default,
used by imports and the demo county) and 市场监管总局 A–D (国市监信发〔2022〕6号)."""

from django.db import migrations

SCHEMES = [
    (
        "hebei-a-e",
        "河北省企业信用风险分类（A–E 五级）",
        "河北省企业信用风险分级分类管理系统（由低到高 A、B、C、D、E 五个等级）",
        True,
        [
            ("A", "信用风险低"),
            ("B", "信用风险较低"),
            ("C", "信用风险一般"),
            ("D", "信用风险较高"),
            ("E", "信用风险高"),
        ],
    ),
    (
        "samr-a-d",
        "市场监管总局企业信用风险分类（A–D 四级）",
        "国市监信发〔2022〕6号《关于推进企业信用风险分类管理进一步提升监管效能的意见》",
        False,
        [("A", "信用风险低"), ("B", "信用风险一般"), ("C", "信用风险较高"), ("D", "信用风险高")],
    ),
]


def forward(apps, schema_editor):
    scheme_model = apps.get_model("registry", "GradingScheme")
    level_model = apps.get_model("registry", "GradeLevel")
    for code, name, authority, is_default, levels in SCHEMES:
        scheme, created = scheme_model.objects.get_or_create(
            code=code, defaults={"name": name, "authority": authority, "is_default": is_default}
        )
        if created:
            for rank, (level_code, level_name) in enumerate(levels, start=1):
                level_model.objects.create(
                    scheme=scheme, code=level_code, name=level_name, rank=rank
                )


def backward(apps, schema_editor):
    apps.get_model("registry", "GradingScheme").objects.filter(
        code__in=[s[0] for s in SCHEMES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_name_search")]

    operations = [migrations.RunPython(forward, backward)]
