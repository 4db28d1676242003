"""Fault scenarios on the local stack: duplicates, outages, crashes and bad input."""
