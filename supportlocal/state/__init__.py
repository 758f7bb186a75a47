"""What supportlocal keeps: the SQLite store and the service clock (no AWS protocol here)."""
