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
from wtforms import SelectField
from wtforms.form import BaseForm

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
            state = {k: v for k, v in field.__dict__.items() if k != "meta"}
            if not callable(state.get("default")):
                # A plain default (mostly None) as a callable giving it, which WTForms' documented
                # ``default`` may be: WTForms calls the default first and takes it as it is on the
                # TypeError that calling a plain value raises, an exception per field on every
                # form built (a tenth of building the registration form). The copies' value is
                # the same either way; the field bound first keeps its own.
                state["default"] = _Default(state.get("default"))
            _bound.put(key, state)
            return field
        # object.__new__ as Field.__new__ does for a bound field (copy.copy would get an UnboundField).
        field = object.__new__(unbound_field.field_class)
        field.__dict__.update(state)
        field.meta = form.meta
        return field


class _Default:
    """A field's plain default as a callable giving it (see ``BindOnce.bind_field``)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value

    def __repr__(self):
        return repr(self.value)


class ValidateOnce:
    """Form mixin: which ``validate_<field>`` methods of the form class check which field, found
    once per class and set of fields, not by a ``getattr`` per field on every validation (what
    WTForms' ``Form.validate`` does; the validators run as they did, in the same order)."""

    def validate(self, extra_validators=None):
        """Validate every field with its validators, its inline ``validate_<field>`` last."""
        cls = type(self)
        key = (cls, tuple(self._fields))
        inline = _inline.get(key)
        if inline is None:
            inline = _inline.put(key, {name: getattr(cls, f"validate_{name}") for name in self._fields
                                       if getattr(cls, f"validate_{name}", None) is not None})
        if extra_validators:
            extra = {name: list(validators) for name, validators in extra_validators.items()}
            for name, method in inline.items():
                extra.setdefault(name, []).append(method)
        else:
            extra = {name: [method] for name, method in inline.items()}
        return BaseForm.validate(self, extra)


_inline = Memo(200)  # per form class and its fields: a few dozen


class KnownChoicesField(SelectField):
    """A select field whose valid values are kept as a set with its choices when it is bound,
    checked with one look-up instead of WTForms' walk through every choice: bound once per
    process in a ``BindOnce`` form, whose copies share the set with their choices."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.choices
        values = None
        if isinstance(choices, list):
            try:
                values = frozenset(self.coerce(choice[0] if isinstance(choice, (list, tuple)) else choice)
                                   for choice in choices)
            except (TypeError, ValueError):  # a choice its coerce refuses: checked as WTForms does
                values = None
        self._known = (choices, values)  # the choices list they are the values of

    def pre_validate(self, form):
        """Refuse a value that is none of the choices, as SelectField does."""
        choices, values = self._known
        # Only for the choices it was bound with: a page that sets its own is checked as usual.
        if values is not None and choices is self.choices and self.validate_choice:
            try:
                if self.data in values:
                    return None
            except TypeError:  # an unhashable value: compared choice by choice
                pass
        return super().pre_validate(form)
