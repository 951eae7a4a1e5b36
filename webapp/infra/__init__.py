"""Infrastructure beside ``extensions``: bulk database writes, the result writer process, login throttling."""
