"""Printed documents: PDF rendering (``pdf.py``), the registration form and the case archive."""
