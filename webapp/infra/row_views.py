"""Plain column values of one row, standing in for its ORM object on pages that only read.

Building and tracking an ORM object costs several times what reading its row does; a request
that only shows a few columns (its user, a task and its case) reads them into a view instead.
A view holds the columns it was given under the model's attribute names and answers anything
else (a relationship, a column not read) from the ORM object, loaded on first such use, so code
written for the ORM row keeps working. Views are read-only unless a subclass says otherwise.
"""
from ..extensions import db


class RowView:
    """Column values under the model's attribute names; the rest from the ORM object (``orm``).

    The values live in the instance's dict, put there in one call (``_fill``): a view is built for
    every row read (the request's user and area, a task page's task and case), and setting each
    column through ``object.__setattr__`` (its own ``__setattr__`` refuses writes), as the slots
    this class had needed, was a Python call per column."""

    def _load(self):  # the ORM object of this row
        raise NotImplementedError

    def orm(self):
        """The ORM object of this row (from the session's identity map, or loaded once)."""
        found = object.__getattribute__(self, "_orm")
        if found is None:
            found = self._load()
            object.__setattr__(self, "_orm", found)
        return found

    def _fill(self, names, values):
        state = vars(self)
        state.update(zip(names, values))
        state["_orm"] = None

    def __getattr__(self, name):  # only for names the view does not hold
        if name.startswith("__"):  # a protocol probe (hasattr(x, "__html__")) loads nothing
            raise AttributeError(name)
        return getattr(self.orm(), name)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only: change the ORM row ({name})")


def by_id(model):
    """A view's ``_load``: ``model``'s row of the view's id, from the session (identity map first)."""
    def load(view):
        return db.session.get(model, view.id)
    return load
