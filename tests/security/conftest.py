"""Fixtures of the security probes: the demo county's areas and users, no cases."""
import pytest

from webapp.extensions import db


@pytest.fixture
def people(app):
    """Areas and one login per role (admin, supervisor, ...), and no diagrams or cases yet."""
    from webapp.synthetic import demo

    demo.seed(households=0, villages_with_staff=1)
    db.session.commit()
    return app


@pytest.fixture
def village(app):
    """One county, township and village (enough to open probe cases, no logins)."""
    from webapp.models import Area

    county = Area(code="341721", name="测试县", level="county", kind="county")
    township = Area(code="341721100000", name="测试镇", level="township", kind="town", parent=county)
    village = Area(code="341721100001", name="测试村", level="village", kind="village", parent=township)
    db.session.add_all([county, township, village])
    db.session.commit()
    return village
