"""A page's write in one shape: the service call, then commit and a success message, or, when the
service refuses, a rollback and the refusal shown as an error.

Every view that writes through a service and answers a refusal with a flashed message goes
through :class:`attempt`; the view keeps only what differs (the form, the call, where to go)::

    with attempt(staff.StaffError, done=_("已保存。")) as saved:
        staff.update_user(...)
    return redirect(url_for("admin.users") if saved else url_for("admin.user_edit", user_id=user_id))
"""
from flask import flash

from webapp.extensions import db


class attempt:  # lower case: read as a verb after ``with``, like contextlib's helpers
    """Run the ``with`` body as one write: commit it and flash ``done``, or roll back on one of
    ``refusals`` and flash the refusal's text as an error (the exception goes no further).

    The value bound by ``as`` is true once the body committed, false after a refusal; its
    ``refusal`` is the refusal caught (None otherwise), for a view that answers one kind of refusal
    differently (the inbox's task pages: a task someone else finished goes back to the list).
    ``say`` gives a refusal's text (default: ``str``). Other exceptions pass through untouched, as
    they would without it. A body whose answer needs a value of the rows reads it inside the body:
    the commit expires them.
    """

    def __init__(self, *refusals, done=None, say=str):
        self.refusals = refusals
        self.done = done
        self.say = say
        self.saved = False
        self.refusal = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback):
        if kind is None:
            db.session.commit()
            self.saved = True
            if self.done is not None:
                flash(self.done, "success")
            return False
        if issubclass(kind, self.refusals):
            db.session.rollback()
            self.refusal = error
            flash(self.say(error), "error")
            return True
        return False

    def __bool__(self):
        return self.saved
