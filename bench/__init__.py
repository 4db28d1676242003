"""Benchmarks of the fleet's parts against the physical limits of the machine they run on.

`python -m bench` (or `make bench`) runs them and rewrites BENCHMARKS.md; each module
measures one thing and returns a `report.Result`. None of this is a test: nothing here
asserts a time.
"""
