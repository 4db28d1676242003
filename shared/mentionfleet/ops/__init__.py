"""Operating the fleet: kick off, follow, reprocess and backfill runs, handle dead letters.

Every operation reads its configuration from the environment (mentionfleet.config plus
MENTIONFLEET_FANOUT_URL and MENTIONFLEET_DEAD_LETTER_SUBSCRIPTION), so the same commands
work against the local stack and against a deployed environment.
"""
