"""Department data intake pages and the ``flask intake`` commands: the web side of ``webapp.intake``."""
