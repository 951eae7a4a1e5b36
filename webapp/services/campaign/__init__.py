"""The campaign's command center: progress figures kept as work happens, the dashboard's reads, bulletins."""
