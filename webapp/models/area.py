"""Administrative areas: county, township, village, with 12-digit statistical codes."""
import enum

from .. import areacodes
from ..extensions import db


class AreaLevel(str, enum.Enum):
    """The three levels a county campaign works at."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Area(db.Model):
    """One area. Codes are county (6) + township (3) + village (3) digits."""

    __tablename__ = "area"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(12), nullable=False, unique=True)
    name = db.Column(db.String(64), nullable=False)
    level = db.Column(db.String(16), nullable=False)
    # town / township / village / community: how the area calls itself, shown to users.
    kind = db.Column(db.String(16), nullable=False, default="")
    parent_id = db.Column(db.Integer, db.ForeignKey("area.id"), index=True)
    parent = db.relationship("Area", remote_side=[id], backref="children")

    @property
    def county_code(self):
        """The 6-digit county code this area belongs to."""
        return areacodes.county_of(self.code)

    @property
    def township_code(self):
        """The 12-digit code of the township this area is or belongs to (None for a county)."""
        if self.level == AreaLevel.COUNTY.value:
            return None
        return areacodes.township_of(self.code)

    def __repr__(self):
        return f"<Area {self.code} {self.name}>"
