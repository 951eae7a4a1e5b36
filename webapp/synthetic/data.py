"""Word lists for the synthetic county: people's names, places, organisations.

Only data and small pure helpers; every random choice is made by the caller's
``random.Random`` so a seed reproduces a county exactly. Every character here
is in GBK, because the household register file is written GBK-encoded.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

class FastRandom(random.Random):
    """random.Random with cheaper choice/randint/randrange (the stdlib's rejection
    sampling costs about a microsecond a call, and the generator makes tens of
    millions). Deterministic for a seed, but not the stdlib's sequences."""

    def choice(self, seq):
        """A random element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        """A random integer in [a, b]."""
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """A random integer in range(start, stop) (step 1 only)."""
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


# Surnames with rough weights; Anhui's 汪 吴 胡 方 程 are common in Chizhou.
SURNAMES = (("王", 60), ("李", 55), ("张", 55), ("陈", 50), ("刘", 40), ("汪", 40), ("吴", 40),
            ("胡", 35), ("方", 30), ("程", 30), ("周", 28), ("徐", 26), ("杨", 26), ("黄", 25),
            ("朱", 22), ("章", 15), ("江", 15), ("姚", 14), ("洪", 12), ("叶", 14), ("赵", 14),
            ("孙", 12), ("马", 10), ("何", 12), ("高", 10), ("郑", 10), ("许", 10), ("余", 12),
            ("曹", 9), ("潘", 9), ("钱", 9), ("丁", 8), ("罗", 8), ("谢", 8), ("宋", 7), ("唐", 7),
            ("邓", 6), ("沈", 6), ("彭", 6), ("曾", 5), ("袁", 6), ("蒋", 5), ("檀", 4), ("查", 5),
            ("纪", 4), ("鲍", 4), ("柯", 5), ("桂", 4), ("夏", 5), ("范", 5))

# Given-name characters, each with a homophone a clerk might type instead (同音字).
_HOMOPHONE_PAIRS = (
    "伟玮", "军君", "明铭", "杰洁", "建健", "国帼", "华桦", "平萍", "文雯", "斌彬", "勇永", "峰锋",
    "涛滔", "辉晖", "刚钢", "林琳", "俊峻", "鹏朋", "磊蕾", "飞菲", "志智", "春椿", "东冬", "兵冰",
    "成诚", "龙隆", "浩皓", "宇雨", "晨辰", "阳扬", "波博", "超潮", "红宏", "英瑛", "芳方", "丽莉",
    "敏民", "燕艳", "霞侠", "静靖", "娟鹃", "玲铃", "婷亭", "秀绣", "兰岚", "梅玫", "凤风", "云芸",
    "琴勤", "慧惠", "珍贞", "桂贵", "荣蓉", "翠萃", "佳嘉", "欣馨", "怡宜",
)
HOMOPHONES = {a: b for a, b in _HOMOPHONE_PAIRS} | {b: a for a, b in _HOMOPHONE_PAIRS}
MALE_CHARS = "伟军明杰建国华平文斌勇峰涛辉刚林俊鹏磊飞志春东兵成龙浩宇晨阳波超红"
FEMALE_CHARS = "芳丽敏燕霞静娟玲婷秀兰梅凤云琴慧珍桂荣翠英红平华佳欣怡林春"

INDUSTRY_WORDS = ("农业", "建材", "化工", "电子", "机械", "纺织", "茶业", "食品", "物流", "商贸",
                  "建筑", "旅游", "水产", "服装", "家具", "矿业", "医药", "环保", "科技", "餐饮")
ORG_WORDS = ("书法家协会", "老年人协会", "个体劳动者协会", "茶叶协会", "志愿者协会", "慈善会",
             "养殖协会", "篮球协会", "民办幼儿园", "培训学校", "养老院", "敬老院", "诊所", "合唱团")

# Non-local people: where they come from (6-digit codes; 34xxxx are other Anhui counties).
ELSEWHERE_AREAS = ("340102", "340222", "341002", "341702", "341722", "342921", "360428",
                   "360429", "420222", "421182", "320583", "330108", "410526", "512501")
# Places other than this county where a resident may be insured.
OTHER_PROVINCE_PLACES = ("浙江省杭州市", "江苏省苏州市", "上海市", "广东省深圳市", "浙江省宁波市",
                         "江苏省无锡市", "广东省东莞市", "福建省厦门市")
PROVINCE_PLACES = ("合肥市", "芜湖市", "池州市贵池区", "马鞍山市", "安庆市")


@dataclass(frozen=True)
class Village:
    """A village or community: 12-digit code, names, and its township."""

    code: str
    name: str
    township: str
    is_community: bool


def villages_from_area_rows(rows) -> list[Village]:
    """Villages from area rows (code, name, level, kind, parent code), e.g.
    ``webapp.services.areas.generate_county()``, so generated files use the same
    codes as the demo areas."""
    townships = {code: name for code, name, level, _, _ in rows if level == "township"}
    return [Village(code, name, townships[parent], kind == "community")
            for code, name, level, kind, parent in rows if level == "village"]


class NameMaker:
    """Random Chinese names; deterministic given the caller's Random."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        self._weights = []
        total = 0
        for _, weight in SURNAMES:
            total += weight
            self._weights.append(total)

    def surname(self) -> str:
        """A surname drawn by frequency."""
        return self.rng.choices(self._surnames, cum_weights=self._weights)[0]

    def given(self, sex: str) -> str:
        """A one- or two-character given name."""
        pool = MALE_CHARS if sex == "M" else FEMALE_CHARS
        if self.rng.random() < 0.3:
            return self.rng.choice(pool)
        return self.rng.choice(pool) + self.rng.choice(pool)


def homophone_variant(name: str) -> str:
    """The same name with its last character swapped for a homophone (同音字)."""
    last = name[-1]
    return name[:-1] + HOMOPHONES.get(last, "伟" if last != "伟" else "玮")
