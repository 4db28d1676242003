"""The analyst's view of the scores: spikes, an event's series, plots and run reports.

Reads PostgreSQL (mention_scores and the run ledger) and, for the words around an event
id (actors, place, first article), the warehouse `events` table when it is reachable.
"""
