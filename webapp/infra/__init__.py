"""Infrastructure beside ``extensions``: bulk database writes, upserts compiled once, the result writer process, login throttling."""
