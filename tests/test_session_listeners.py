"""The database session events (engine/kept.py's kept workflows; webapp/memo.py's RequestKept: the
unread count kept with the user in services/notifications.py, the request's user in
services/known_users.py) are registered by create_app, once, and not by importing the modules: a
process that only imports them (a script, the intake core's tools) runs no listener."""
import subprocess
import sys
import textwrap
from pathlib import Path

_CHECK = textwrap.dedent("""
    from sqlalchemy.orm import Session

    import webapp.auth.user_loading, webapp.engine.completion
    from webapp import memo
    from webapp.engine import kept

    LISTENERS = (("after_commit", kept._kept_on_commit), ("after_soft_rollback", kept._dropped_on_rollback),
                 ("after_transaction_end", kept._dropped_at_the_end),
                 ("do_orm_execute", memo._after_statement), ("after_flush", memo._after_flush))


    def counts():
        session = Session()  # a session's dispatch lists every listener its class has, repeats too
        return [sum(each is listener for each in getattr(session.dispatch, name)) for name, listener in LISTENERS]


    print(counts())
    from config import TestConfig
    from webapp import create_app
    create_app(TestConfig)
    create_app(TestConfig)
    print(counts())
""")


def test_importing_registers_no_listener_and_create_app_registers_each_once():
    done = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    after_import, after_two_apps = done.stdout.split("\n")[:2]
    assert after_import == "[0, 0, 0, 0, 0]"
    assert after_two_apps == "[1, 1, 1, 1, 1]"
