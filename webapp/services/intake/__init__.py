"""Department data in the database: imports, mappings, comparison runs, problems and the work they start."""
