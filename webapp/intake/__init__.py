"""Department data intake and comparison by ID number (信息比对).

Pure code, no database: ``readers`` (CSV in any Chinese encoding, XLSX via
``xlsx_fast`` or openpyxl) → ``mapping`` (headers to fields) → ``validate`` and
``values`` (typed cells and the row-level report) → ``records`` → ``compare``
(confirmed / problem / uninsured), ``employers`` (uninsured employers) and ``linkage``
(possible same person);
``chunks`` stores validated rows compactly; ``pipeline`` runs files in memory.
``generator`` (with ``generator_*``, ``coverage_rules``, ``answer_key``) writes a
synthetic county with an answer key. The database side lives in
``webapp.services.intake_*``; the pages in ``routes``; the CLI in ``cli``.
"""
