"""RQ workers: thin entry points that take ids and call webapp services."""
