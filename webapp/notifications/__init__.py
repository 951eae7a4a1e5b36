"""In-app notifications: the list, marking read, and the count in the top bar."""
