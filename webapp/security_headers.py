"""Security headers on every response, set in one place.

The Content-Security-Policy allows only this site's own files: no inline script, no inline
event handler, no inline style (the templates have none; page scripts live in static/*.js),
nothing from other hosts, no plugins, and no framing by any site.
"""
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_ITEMS = tuple(HEADERS.items())
_NAMES = frozenset(name.lower() for name in HEADERS)


def install(app):
    """Add the headers to every response of ``app`` (a view may not weaken them)."""
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        listed = headers._list  # werkzeug's (name, value) pairs, read and appended to without its per-item checks
        if _NAMES.isdisjoint([name.lower() for name, _value in listed]):
            # The usual case, none set by the view: appended, as setting each would (replacing
            # one looks through every header for the name, four times a response). The values are
            # this module's constants, plain one-line strings: Headers.extend would only check that.
            listed.extend(_ITEMS)
        else:
            for name, value in _ITEMS:  # a view's own value replaced: it may not weaken them
                headers[name] = value
        if app.config.get("SESSION_COOKIE_SECURE"):
            # Served over HTTPS only: tell browsers never to try plain HTTP for a year.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
