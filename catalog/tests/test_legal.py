import pytest

from catalog.legal import (
    article_numbers,
    cn_to_int,
    int_to_cn,
    parse_kind,
    parse_methods,
    short_title,
    split_bases,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("十", 10),
        ("三十六", 36),
        ("一百零九", 109),
        ("一百一十", 110),
        ("二百一十一", 211),
        ("36", 36),
    ],
)
def test_numerals(text, number):
    assert cn_to_int(text) == number
    assert cn_to_int(int_to_cn(number)) == number


def test_numerals_round_trip():
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 1200))
    assert int_to_cn(110) == "一百一十" and int_to_cn(1010) == "一千零一十"


def test_article_numbers():
    assert article_numbers("第十八条、第二十七条、第三十六条") == [18, 27, 36]
    assert article_numbers("第77、84条") == [77, 84]
    assert article_numbers("第6条第1款") == [6]
    assert article_numbers("第四十四、五十四、五十六条") == [44, 54, 56]
    assert article_numbers("（国务院令第715号）") == []


def test_split_bases():
    bases = split_bases(
        "《企业名称登记管理规定》第二十六条、二十七条_x000D_\n《个体工商户条例》第二十三条_x000D_第一款"
    )
    assert [(b.text, b.title, b.article_numbers) for b in bases] == [
        ("《企业名称登记管理规定》第二十六条、二十七条", "企业名称登记管理规定", [26, 27]),
        ("《个体工商户条例》第二十三条第一款", "个体工商户条例", [23]),
    ]
    bases = split_bases("劳动合同法第85条、《劳动保障监察条例》第26条")
    assert [(b.title, b.article_ref) for b in bases] == [
        ("劳动合同法", "第85条"),
        ("劳动保障监察条例", "第26条"),
    ]
    (basis,) = split_bases("劳动合同法第83条（《劳务派遣暂行规定》第6、23条）")
    assert basis.title == "劳动合同法" and basis.article_numbers == [83]
    (basis,) = split_bases(
        "《教育部关于新形势下进一步做好普通中小学装备工作的意见》（教基一〔2016〕3号）第四条"
    )
    assert basis.doc_number == "教基一〔2016〕3号" and basis.article_numbers == [4]
    bases = split_bases(
        "1.《中华人民共和国招投标法》；\n交通运输部《公路水运工程试验检测管理办法》"
    )
    assert [b.title for b in bases] == ["中华人民共和国招投标法", "公路水运工程试验检测管理办法"]
    assert [b.title for b in split_bases("《建筑法》《建设工程质量管理条例》")] == [
        "建筑法",
        "建设工程质量管理条例",
    ]


def test_titles_methods_kinds():
    assert short_title("《中华人民共和国消防法》") == "消防法"
    assert parse_methods("现场检查、书面检查、网络检查等") == ["现场检查", "书面检查", "网络检查"]
    assert parse_methods("自查、调账检查、实地检查相结合") == ["自查", "调账检查", "实地检查"]
    assert parse_kind("一般检查事项\n") == "general" and parse_kind("重点") == "key"
    assert parse_kind("其他") is None
