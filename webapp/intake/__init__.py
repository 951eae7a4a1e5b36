"""Department data intake: read, map, validate and compare by ID number.

Pure functions over files and in-memory records (no database here):
readers → mapping → validate → records → compare / linkage; generator makes
a synthetic county with an answer key for tests and benchmarks.
"""
