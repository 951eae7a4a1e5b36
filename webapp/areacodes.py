"""How a 12-digit statistical area code is built: county (6) + township (3) + village (3) digits.

The one place that cuts codes apart. Scoping rules (services/scoping.py) and the Area model build
on it; no other module slices an area code (tests/test_scoping_one_place.py checks). Pure: no Flask,
no database, so the intake core may use it too.
"""
COUNTY_DIGITS = 6
TOWNSHIP_DIGITS = 9
CODE_DIGITS = 12


def county_of(code):
    """The 6-digit county code of any area code (county, township or village)."""
    return code[:COUNTY_DIGITS]


def township_prefix(code):
    """The first 9 digits: every area inside a township has a code starting with them."""
    return code[:TOWNSHIP_DIGITS]


def township_of(code):
    """The 12-digit code of the township an area code is or lies in."""
    return township_prefix(code) + "0" * (CODE_DIGITS - TOWNSHIP_DIGITS)


def county_area_code(county_code):
    """The 12-digit code of the county area itself."""
    return county_of(county_code) + "0" * (CODE_DIGITS - COUNTY_DIGITS)


def village_code(township_code, number):
    """The code of the ``number``-th village or community (3 digits) of a township."""
    return f"{township_prefix(township_code)}{number:03d}"


def same_township(code, other):
    """True when two area codes lie in the same township."""
    return township_prefix(code) == township_prefix(other)


def codes_of_village(code, county_code):
    """(county, township, village) codes of a row placed in village ``code``.

    A row with no (or no valid) village code belongs to ``county_code`` only.
    """
    if code and len(code) == CODE_DIGITS and code.isdigit():
        return county_of(code), township_of(code), code
    return county_code, None, None
