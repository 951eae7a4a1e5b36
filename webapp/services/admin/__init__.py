"""Administration: staff accounts and their import, process versions, moving cases between versions."""
