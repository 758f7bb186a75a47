"""supportlocal: a local AWS Support service speaking the real AWS Support JSON protocol.

Start it with ``python -m supportlocal --port PORT --data DIR`` (or ``launcher.running_server``)
and point boto3 at it with ``AWS_ENDPOINT_URL_SUPPORT=http://127.0.0.1:PORT``. It serves the
catalogue pinned in ``catalogue/aws-support.json`` and enforces the Support API quotas unless
started with ``--no-quotas``. Drive the support engineer's side, the clock, the quotas and faults
with ``client.ControlClient``.

Layout: ``state`` (SQLite store, clock), ``service`` (the operations, by concern, with no HTTP),
``web`` (the AWS JSON protocol, the presigned attachment URLs, the control API, faults).
"""
