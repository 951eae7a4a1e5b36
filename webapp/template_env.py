"""The templates' environment: Flask's, with a template's globals whose keys are cheap to compare.

Every ``{% from '_macros.html' import ... %}`` asks Jinja whether the importing template has
globals the imported one lacks (``ctx.globals_keys - template.globals.keys()``, in
``Template._get_default_module``): without, the imported template's module is made once and kept.
A template's globals are a ``ChainMap`` of its own globals over the environment's
(``Environment.make_globals``), and that difference tested each of the ~35 names against both
maps in Python: ~19 µs per import, on most pages. No template here has globals of its own, so the
keys of the chain are the environment's: ``keys()`` then gives the environment's dictionary's own
view, which the difference reads in C (~0.7 µs). Should a template get globals of its own, the
chain's keys are given as before. A template with no globals of its own is given the environment's
dictionary itself (see ``Environment.make_globals``).
"""
from collections import ChainMap

from flask.templating import Environment as FlaskEnvironment


class TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja makes them, with cheaper ``keys()``."""

    def keys(self):
        """The names of all the globals (the environment's dictionary's view when the template has
        none of its own)."""
        own, shared = self.maps[0], self.maps[-1]
        if not own and len(self.maps) == 2:
            return shared.keys()
        return super().keys()


class Environment(FlaskEnvironment):
    """Flask's environment, making each template's globals a :class:`TemplateGlobals`."""

    def make_globals(self, d):
        """Jinja's globals map for a template (its own ``d`` over the environment's); a template
        without globals of its own gets the environment's dictionary itself."""
        # Every render copies its template's globals into the new context (``dict(globals,
        # **vars)``, jinja2.runtime.new_context): a dict is copied in C, a chain looked up name by
        # name in Python (~40 names, about 2 % of a task list page). Jinja writes into a template's
        # globals only when get_template is given globals of its own, which this app never does.
        if not d:
            return self.globals
        return TemplateGlobals(d, self.globals)


def install(app):
    """Build ``app``'s template environment as :class:`Environment` (before anything uses it)."""
    app.jinja_environment = Environment


def drop_repeated_context_processors(app):
    """Run each of ``app``'s template context processors once per render (after its blueprints
    are registered): a blueprint brings Flask's default processor (``g`` and ``request``) along,
    which ran again for every page of that blueprint after the app's own had given the same."""
    # (A blueprint's processors run after the app's, so dropping one the app runs already
    # changes no value a template sees.)
    shared = app.template_context_processors[None]
    for name, processors in app.template_context_processors.items():
        if name is not None:
            processors[:] = [processor for processor in processors if processor not in shared]
