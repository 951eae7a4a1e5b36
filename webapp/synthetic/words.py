"""How each generated file words its coded columns and names its headers.

Departments write the same fact in different words ("正常参保", "参保缴费",
"在缴"): each generated file picks its own spelling of every coded word at
random (seeded by the county's seed and the file's name, so every process
writing a part of the file picks the same). All of these spellings are in the
shipped vocabularies (webapp/intake/vocabulary.py), so the comparison and the
answer key are the same whatever a file picked.

Options make the files harder, as a real county's are: ``unlisted_words``
spells one status per person file in a word no vocabulary lists (the import
then stops at the value-mapping step), ``odd_headers`` renames a column per
person file to a header no synonym knows and adds columns the product does
not use, and ``total_rows`` ends files with a "合计" line.
"""
from __future__ import annotations

import random

# canonical word the generator thinks in -> spellings seen in department exports
SPELLINGS = {
    "sex": {"M": ("男", "1", "M", "男性"), "F": ("女", "2", "F", "女性")},
    "person_status": {"normal": ("正常", "在册", "正常户口"), "deceased": ("死亡", "死亡注销", "已死亡"),
                      "moved_out": ("迁出", "已迁出", "户口迁出"), "cancelled": ("注销", "已注销", "销户")},
    "register_kind": {"户籍人口": ("户籍人口", "户籍", "本地户籍"), "流动人口": ("流动人口", "非户籍", "暂住人口")},
    "enroll_status": {"正常参保": ("正常参保", "参保缴费", "正常", "在缴"), "暂停缴费": ("暂停缴费", "中断", "停保", "暂停"),
                      "终止参保": ("终止参保", "终止", "注销", "死亡注销")},
    "contribution": {"正常缴费": ("正常缴费", "已缴费", "在缴", "缴费"), "暂停缴费": ("暂停缴费", "未缴费", "中断缴费", "停缴")},
    "benefit": {"正常享受": ("正常享受", "领取", "正常领取", "待遇领取", "享受待遇"),
                "未享受": ("未享受", "未领取", "否", "无"), "终止发放": ("终止发放", "停发", "暂停发放", "待遇终止")},
    "hukou_type": {"agricultural": ("农业", "农业户口", "农村"), "non_agricultural": ("非农业", "非农业户口", "城镇")},
}
# Words no shipped vocabulary lists (what a test maps by hand), by file kind: (kind, canonical word, word).
UNLISTED = {"register": ("person_status", "normal", "在户正常"), "health": ("enroll_status", "正常参保", "参保有效"),
            "si": ("benefit", "正常享受", "按月领取中")}
# A header per file kind that no synonym knows: (standard header, odd header).
ODD_HEADERS = {"register": ("姓名", "户内人员姓名"), "health": ("身份证号码", "参保人证件号码"),
               "si": ("待遇状态", "待遇享受标识")}
# Columns the product does not use: before the first column, and after the last (header, value).
EXTRA_FIRST = "序号"
EXTRA_LAST = {"register": ("户口性质", None), "health": ("备注", ""), "si": ("经办机构", "东至县社会保险事业管理局")}


class FileWords:
    """The spellings one file uses, and its headers and extra columns."""

    def __init__(self, seed: int, file_name: str, kind: str, headers: list[str], *, varied: bool = True,
                 unlisted: bool = False, odd_headers: bool = False):
        rng = random.Random(f"{seed}:{file_name}")
        self.kind, self.odd = kind, odd_headers
        self.words = {group: {canonical: (rng.choice(spellings) if varied else spellings[0])
                              for canonical, spellings in table.items()}
                      for group, table in SPELLINGS.items()}
        if varied:  # sex is written as a pair: 男/女, 1/2, M/F, 男性/女性
            pick = rng.randrange(len(SPELLINGS["sex"]["M"]))
            self.words["sex"] = {"M": SPELLINGS["sex"]["M"][pick], "F": SPELLINGS["sex"]["F"][pick]}
        if unlisted:
            group, canonical, word = UNLISTED[kind]
            self.words[group][canonical] = word
        self.headers = list(headers)
        if odd_headers:
            standard, odd = ODD_HEADERS[kind]
            self.headers[self.headers.index(standard)] = odd
            self.headers = [EXTRA_FIRST] + self.headers + [EXTRA_LAST[kind][0]]
        self._cells = random.Random(f"{seed}:{file_name}:cells")  # not the people's random stream

    def word(self, group: str, canonical: str) -> str:
        """This file's spelling of a canonical word."""
        return self.words[group][canonical]

    def wrap(self, row: list, number: int) -> list:
        """A row with the file's extra columns (序号 first, an unused column last)."""
        if not self.odd:
            return row
        _, value = EXTRA_LAST[self.kind]
        if value is None:  # 户口性质: written as this file spells it
            value = self.words["hukou_type"]["agricultural" if self._cells.random() < 0.7 else "non_agricultural"]
        return [str(number - 1)] + row + [value]

    def total_row(self, rows: int) -> list[str]:
        """The "合计" line an export ends with: the count of rows under the first data column's header."""
        width = len(self.headers)
        line = [""] * width
        first = 1 if self.odd else 0
        line[first] = "合计"
        line[first + 1] = f"{rows}人" if self.kind != "si" else f"共{rows}条"
        return line
