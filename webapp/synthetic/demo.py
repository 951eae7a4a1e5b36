"""The demo county: Dongzhi's areas, a user per role, a few hundred uninsured households in cases."""
import random
from datetime import date, timedelta

from .. import areacodes
from ..extensions import db
from ..idnumber import make_id
from ..models import Area, Household, Person, User
from ..services import areas
from ..services.casework import cases

DEMO_PASSWORD = "demo1234"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强春梅海燕玉兰红梅文国庆德胜宝山金花翠兰"
RELATIONS = ("户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女")


def _name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given[:2]


def ensure_user(username, display_name, role, area, department=None):
    """The demo account ``username``, made with the demo password when it does not exist yet."""
    user = User.query.filter_by(username=username).one_or_none()
    if user is None:
        user = User(username=username, display_name=display_name, role=role, area=area, department=department)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    return user


def create_users(township, villages):
    """One login per role; township and village staff in the demo township."""
    county = Area.query.filter_by(level="county").first()
    users = [
        ensure_user("admin", "系统管理员", "admin", county),
        ensure_user("county", "县人社局审核员", "county", county),
        ensure_user("agency", "社保经办员", "agency", county),
        ensure_user("supervisor", "督查办公室", "supervisor", county),
        ensure_user("gongan", "公安数据员", "data_provider", county, department="public_security"),
        ensure_user("township", f"{township.name}社保所", "township", township),
        ensure_user("township2", f"{township.name}社保所（二）", "township", township),
    ]
    for index, village in enumerate(villages, start=1):
        users.append(ensure_user(f"village{index}", f"{village.name}协理员", "village", village))
    db.session.flush()
    return users


def _household(rng, number, township, village, county_code):
    size = rng.choice((1, 2, 2, 3, 3, 4, 5))
    head = _name(rng)
    household = Household(household_number=number, head_name=head,
                          address=f"{township.name}{village.name if village else ''}{rng.randint(1, 120)}号",
                          household_type=rng.choice(("agricultural", "agricultural", "non_agricultural")),
                          county_code=county_code, township_code=township.code,
                          village_code=village.code if village else None)
    db.session.add(household)
    for position in range(size):
        age = rng.randint(30, 70) if position == 0 else rng.randint(1, 85)
        birth = date(2026, 1, 1) - timedelta(days=age * 365 + rng.randint(0, 364))
        id_number = make_id(county_code, birth, rng.randint(1, 999))
        if Person.query.filter_by(id_number=id_number).first() is not None:
            continue
        db.session.add(Person(
            id_number=id_number, name=head if position == 0 else _name(rng), birth_date=birth,
            sex="M" if int(id_number[16]) % 2 else "F", household=household,
            relation_to_head=RELATIONS[min(position, len(RELATIONS) - 1)],
            hukou_address=household.address, county_code=county_code,
            township_code=township.code, village_code=household.village_code))
        db.session.flush()
    return household


def seed(households=300, villages_with_staff=4, seed_value=341721, progress=None):
    """Build the demo county in an empty database; returns the number of cases started."""
    rng = random.Random(seed_value)
    areas.load_rows(areas.generate_county())
    county_code = areas.DONGZHI_CODE
    township = Area.query.filter_by(code=areas.township_code(county_code, 0)).one()
    villages = areas.villages_of(township.code)[:villages_with_staff + 2]
    create_users(township, villages[:villages_with_staff])
    admin = User.query.filter_by(username="admin").one()
    started = 0
    for index in range(households):
        # A fifth of the addresses do not name a village: township staff must place them.
        village = rng.choice(villages) if rng.random() > 0.2 else None
        number = areacodes.township_prefix(township.code) + f"{index + 1:06d}"
        household = _household(rng, number, township, village, county_code)
        db.session.flush()
        cases.start_registration_case(household, actor=admin)
        started += 1
        if progress:
            progress(started, households)
    return started
