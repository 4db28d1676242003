"""The whole fleet on one machine: the local stack plus the two function servers."""
