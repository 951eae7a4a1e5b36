"""The templates' globals map (webapp/template_env.py) answers as Jinja's own ChainMap does."""
from collections import ChainMap

from webapp.template_env import TemplateGlobals


def test_template_globals_have_the_keys_jinja_gives(app):
    env = app.jinja_env
    template = env.get_template("base.html")
    # No globals of its own: the environment's own (a later global seen at once, as through a chain).
    assert template.globals is env.globals
    assert set(template.globals.keys()) == set(ChainMap({}, env.globals).keys())
    own = TemplateGlobals({"extra": 1}, env.globals)
    assert set(own.keys()) == set(ChainMap({"extra": 1}, env.globals).keys()) and "extra" in own.keys()


def test_an_import_sees_the_macros_and_a_template_of_its_own_globals_still_counts(app):
    env = app.jinja_env
    page = env.from_string("{% from '_macros.html' import pager %}{{ pager is defined }}")
    assert page.render() == "True"
    # A template with a global of its own: the import is made afresh and sees it, as Jinja does.
    with_own = env.from_string("{% from '_macros.html' import pager %}{{ marker }}", globals={"marker": "mine"})
    assert with_own.render() == "mine"
