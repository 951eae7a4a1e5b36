"""Application services: the code routes and jobs call. They never commit; callers do."""
