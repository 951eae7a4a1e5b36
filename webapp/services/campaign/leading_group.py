"""The township members of the county's leading group (the notice's annex), named in bulletins.

County staff keep the list on the leaders page; :func:`load_annex` fills it from the annex of
东政办〔2017〕32号 (/work/shared/domain), matching townships by name.
"""
from ...extensions import db
from ...models import Area, LeadingGroupMember
from ...models.base import utcnow

# 附件：东至县实施“全民参保登记计划”工作领导小组名单 — the township heads among its members.
ANNEX_TOWNSHIP_HEADS = (
    ("尧渡镇", "陈阳生", "镇长"), ("东流镇", "郭劭忠", "镇长"), ("大渡口镇", "丁正平", "镇长"),
    ("胜利镇", "江炳生", "镇长"), ("香隅镇", "王金水", "镇长"), ("张溪镇", "周俊华", "镇长"),
    ("洋湖镇", "袁芳", "镇长"), ("葛公镇", "钱奕德", "镇长"), ("官港镇", "吴明来", "镇长"),
    ("木塔乡", "陈大圣", "乡长"), ("花园乡", "商爱元", "乡长"), ("昭潭镇", "李发根", "镇长"),
    ("泥溪镇", "徐宏伟", "镇长"), ("青山乡", "李应乐", "乡长"), ("龙泉镇", "吴永清", "镇长"),
)


def members_of_county(county_code):
    """Every listed member of the county's townships, by township and order of entry."""
    return (LeadingGroupMember.query.filter(LeadingGroupMember.township_code.like(county_code + "%"))
            .order_by(LeadingGroupMember.township_code, LeadingGroupMember.id).all())


def add_member(township_code, name, post):
    """Add one member (the route checked the township is in the user's county). Caller commits."""
    member = LeadingGroupMember(township_code=township_code, name=name.strip(), post=(post or "").strip(),
                                updated_at=utcnow())
    db.session.add(member)
    return member


def load_annex(county_code):
    """Fill townships that have nobody listed yet with their head from the annex; returns how many."""
    townships = {a.name: a.code for a in Area.query.filter(Area.level == "township",
                                                           Area.code.like(county_code + "%"))}
    listed = {m.township_code for m in members_of_county(county_code)}
    added = 0
    for township_name, name, post in ANNEX_TOWNSHIP_HEADS:
        code = townships.get(township_name)
        if code and code not in listed:
            add_member(code, name, post)
            added += 1
    return added
