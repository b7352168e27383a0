"""Scoring against the hand-made gold in evals/: gold files, alignment, scores, reports and `brief eval` runs."""
