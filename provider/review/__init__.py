"""The pull-request review of case changes: ``python -m provider plan`` and ``comment``, and the check
that ``pulumi up`` carries out the approved plan.

``state`` reads the stack state, ``cases`` plans each case against it, ``document`` turns that into one
JSON-plain plan (with ``warnings`` and the ``fingerprint``), ``markdown`` and ``text`` render it (within
a size ``budget``), ``approval`` is the program's guard, ``annotations`` and ``comments`` speak to CI.
"""
