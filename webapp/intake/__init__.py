"""Department data intake and comparison by ID number (信息比对).

Pure code, no database: ``readers`` (CSV in any Chinese encoding, XLSX via
``xlsx_fast`` or openpyxl) → ``mapping`` (headers to fields) → ``validate`` and
``values`` (typed cells and the row-level report) → ``records`` → ``compare``
(confirmed / problem / uninsured), ``employers`` (uninsured employers) and ``linkage``
(possible same person);
``chunks`` stores validated rows compactly; ``pipeline`` runs files in memory;
``folder`` tells a folder's files apart. This package imports neither Flask, the
models, the services nor SQLAlchemy (tests/test_layers.py checks). The database side
lives in ``webapp.services.intake``; the pages and the ``flask intake`` commands in
``webapp.intake_web``; the synthetic county generator in ``webapp.synthetic``.
"""
