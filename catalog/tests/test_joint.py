import pytest

from accounts.models import Role
from audit.models import AuditEntry
from catalog.models import ItemList, JointItem, ListKind
from catalog.tests.conftest import cli_import, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "抽查领域",
    "抽查事项",
    "检查对象",
    "发起部门",
    "配合部门",
    "抽查层级",
    "检查依据",
]
ROWS = [
    HEADER,
    [
        1,
        "文化市场",
        "互联网上网服务营业场所跨部门联合检查",
        "互联网上网服务营业场所",
        "宽城县旅游和文化广电局",
        "宽城县市场监督管理局、县消防救援大队",
        "县级",
        "《互联网上网服务营业场所管理条例》第二十一条",
    ],
    [
        2,
        "文化市场",
        "娱乐场所跨部门联合检查",
        "歌舞娱乐场所",
        "宽城县旅游和文化广电局",
        "宽城县市场监督管理局",
        "县级",
        "",
    ],
]


def test_joint_list_import(people, tmp_path):
    job, out = cli_import("joint_items", write_xlsx(tmp_path / "j.xlsx", ROWS), people["kc_joint"])
    assert job.status == "done", out
    assert job.report["created"] == 2
    joint_list = ItemList.objects.get(kind=ListKind.JOINT)
    assert joint_list.department.name == "宽城县双随机办" and joint_list.code == "J130827"
    first = JointItem.objects.get(position=1)
    assert first.code == "J130827-1"
    assert first.initiator.name == "宽城县旅游和文化广电局"
    assert [d.name for d in first.cooperators.all()] == ["宽城县市场监督管理局"]
    assert first.cooperator_list() == ["宽城县市场监督管理局", "县消防救援大队"]
    assert first.bases.get().article_numbers == [21]
    job, _ = cli_import("joint_items", write_xlsx(tmp_path / "j.xlsx", ROWS), people["kc_joint"])
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (0, 0, 2)


def test_joint_list_is_the_offices(make_user, people, tmp_path):
    culture = make_user("culture_org", "kc_culture", Role.ORGANIZER)
    entries = AuditEntry.objects.count()
    job, _ = cli_import("joint_items", write_xlsx(tmp_path / "j.xlsx", ROWS), culture)
    assert job.status == "invalid"
    assert job.errors == [
        {
            "row": 0,
            "column": "",
            "message": "部门联合抽查事项清单由本级双随机办维护，请使用双随机办的账号导入。",
        }
    ]
    assert not ItemList.objects.exists()
    actions = [e.action for e in AuditEntry.objects.order_by("seq")[entries:]]
    assert actions == ["import.joint_items.upload", "import.joint_items.validate"]


def test_joint_pages(people, client, tmp_path):
    from catalog.services import version_publish
    from conftest import PASSWORD

    cli_import("joint_items", write_xlsx(tmp_path / "j.xlsx", ROWS), people["kc_joint"])
    draft = ItemList.objects.get().versions.get()
    assert client.login(username="kc_market_insp", password=PASSWORD)
    assert (
        "宽城满族自治县部门联合抽查事项清单" not in client.get("/catalog/joint/").content.decode()
    )
    assert client.get(f"/catalog/versions/{draft.pk}/").status_code == 404
    version_publish(actor=people["kc_joint"], version=draft, reason="发布")
    assert "宽城满族自治县部门联合抽查事项清单" in client.get("/catalog/joint/").content.decode()
    html = client.get(f"/catalog/versions/{draft.pk}/").content.decode()
    assert "娱乐场所跨部门联合检查" in html and "县消防救援大队" in html
    assert client.get(f"/catalog/versions/{draft.pk}/export.xlsx").status_code == 200
