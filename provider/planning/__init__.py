"""The pure planning core: what was sent + the declared case -> the Support API actions (no I/O)."""
