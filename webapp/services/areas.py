"""Areas are data: load any county from a file, or generate the Dongzhi demo county."""
import csv
import random

from flask import current_app

from .. import areacodes
from ..extensions import db
from ..models import Area

DONGZHI_CODE = "341721"
DONGZHI_NAME = "东至县"
# The 15 townships of the notice's annex: 12 towns and 3 townships.
DONGZHI_TOWNSHIPS = (
    ("尧渡镇", "town"), ("东流镇", "town"), ("大渡口镇", "town"), ("胜利镇", "town"),
    ("香隅镇", "town"), ("张溪镇", "town"), ("洋湖镇", "town"), ("葛公镇", "town"),
    ("官港镇", "town"), ("昭潭镇", "town"), ("泥溪镇", "town"), ("龙泉镇", "town"),
    ("木塔乡", "township"), ("花园乡", "township"), ("青山乡", "township"),
)
_VILLAGE_FIRST = "东西南北上下大小新老长高桥河湖山林石竹梅桃柳杨松枫花金银龙凤马牛清白红黄青"
_VILLAGE_SECOND = "山岭湖塘冲桥岗湾坂畈圩店铺庄园坝溪冈洲口源田"


def township_code(county_code, index):
    """Statistical code of the index-th township: towns 1xx, townships 2xx."""
    return f"{county_code}{100 + index:03d}000"


def generate_county(county_code=DONGZHI_CODE, county_name=DONGZHI_NAME, townships=DONGZHI_TOWNSHIPS,
                    villages_total=250, seed=17213):
    """Rows (code, name, level, kind, parent code) for a county with generated villages.

    Deterministic for a seed, so the demo, the generator and the tests agree on the areas.
    """
    rng = random.Random(seed)
    rows = [(f"{county_code}000000", county_name, "county", "county", None)]
    per_township = [villages_total // len(townships)] * len(townships)
    for i in range(villages_total % len(townships)):
        per_township[i] += 1
    used = set()
    for index, (name, kind) in enumerate(townships):
        code = township_code(county_code, index)
        rows.append((code, name, "township", kind, rows[0][0]))
        for number in range(1, per_township[index] + 1):
            while True:
                village = rng.choice(_VILLAGE_FIRST) + rng.choice(_VILLAGE_SECOND)
                if village not in used:
                    used.add(village)
                    break
            community = number <= 2 and kind == "town"
            suffix, vkind, vcode = ("社区", "community", number) if community else ("村", "village", 200 + number)
            rows.append((areacodes.village_code(code, vcode), village + suffix, "village", vkind, code))
    return rows


def load_rows(rows):
    """Insert or update areas from (code, name, level, kind, parent code) rows; parents first."""
    by_code = {area.code: area for area in Area.query.all()}
    for code, name, level, kind, parent_code in rows:
        area = by_code.get(code)
        if area is None:
            area = Area(code=code)
            db.session.add(area)
            by_code[code] = area
        area.name, area.level, area.kind = name, level, kind or level
        area.parent = by_code.get(parent_code) if parent_code else None
    db.session.flush()
    return len(rows)


def load_csv(path):
    """Load areas from a CSV with columns code,name,level,kind,parent_code (UTF-8)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(r["code"], r["name"], r["level"], r.get("kind") or r["level"], r.get("parent_code") or None)
                for r in reader]
    return load_rows(rows)


class CountyUnknown(LookupError):
    """The campaign's county cannot be told from the loaded areas (none, several, or not loaded)."""


def campaign_county(county_code=None):
    """(code, name) of the county the campaign runs in, from the loaded areas.

    ``county_code`` (a user's county, say) wins; else the COUNTY_CODE setting; else the one county
    among the loaded areas. No county is built in: with none loaded this raises CountyUnknown.
    """
    code = county_code or current_app.config.get("COUNTY_CODE")
    query = Area.query.filter_by(level="county")
    if code:
        query = query.filter(Area.code == areacodes.county_area_code(code))
    counties = query.order_by(Area.code).limit(2).all()
    if len(counties) != 1:
        raise CountyUnknown(f"county {code or '?'}: {len(counties)} loaded; set COUNTY_CODE or load its areas")
    return counties[0].county_code, counties[0].name


def villages_of(township_code):
    """The villages and communities of the township with ``township_code``, by code."""
    township = Area.query.filter_by(code=township_code).one()
    return Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()
