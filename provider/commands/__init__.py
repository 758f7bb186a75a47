"""The ``python -m provider`` command line and the pull-request plan it prints."""
