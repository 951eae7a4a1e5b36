"""A busy form's fields bound once per process and copied for each form, not built anew.

WTForms builds every field of a form object from its declaration on each request (the label,
the flags from the validators, the choices list copied, ...): for the 32 fields of the
registration form about 0.15 ms of a form save. What a bound field holds before it processes
any input depends only on its declaration, its name, the prefix and the translations object, so
:class:`BindOnce` (a form's ``Meta`` mixin, through WTForms' documented ``bind_field`` hook)
binds each declared field the first time and later hands out a copy of what that binding set,
with the new form's ``meta``. The copies share the declaration's immutable parts (label, flags,
validators, choices): nothing in this app changes them in place, and a page that sets its own
choices assigns a new list to its copy. Input, data and errors are each copy's own, set when
the form processes its input, as before.

Fields a form adds per object (Flask-WTF's CSRF field, which holds its form's CSRF checker) are
not declarations of the form class and are bound as usual. The store is a bounded memo
(webapp/memo.py, safe under threads), in practice bounded by the declared fields of the forms
that use it (times the few prefixes and translations objects), the oldest going first if it ever
grows past its cap; two threads binding the same field at once both store the same thing.
"""
from .memo import Memo

_MAX_FIELDS = 2_000
_bound = Memo(_MAX_FIELDS)


class BindOnce:
    """``Meta`` mixin of a form class: its declared fields bound once per process (see module)."""

    def bind_field(self, form, unbound_field, options):
        """The field ``unbound_field`` of ``form`` as WTForms would bind it, copied from the first binding."""
        name = options["name"]
        if getattr(type(form), name, None) is not unbound_field:  # added per form object (CSRF)
            return super().bind_field(form, unbound_field, options)
        key = (unbound_field, name, options.get("prefix", ""), options.get("translations"))
        state = _bound.get(key)
        if state is None:
            field = super().bind_field(form, unbound_field, options)
            # Its state before any input; the form's meta is each copy's own.
            _bound.put(key, {k: v for k, v in field.__dict__.items() if k != "meta"})
            return field
        # object.__new__ as Field.__new__ does for a bound field (copy.copy would get an UnboundField).
        field = object.__new__(unbound_field.field_class)
        field.__dict__.update(state)
        field.meta = form.meta
        return field
