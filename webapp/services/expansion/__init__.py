"""Expansion (参保扩面): grouping rules, target lists, drives and the conversion they bring.

``rules`` holds the county's editable grouping rules (data, validated, turned into one SQL CASE);
``targets`` builds a run's target list and answers its filtered views; ``drives`` opens drives,
records contacts and brings follow-ups back; ``conversion`` marks targets a later run shows
enrolled and reports the rates from ``tally``, the counts kept as targets change.
"""
