"""supportlocal: a local AWS Support service speaking the real AWS Support JSON protocol.

Start it with ``python -m supportlocal --port PORT --data DIR`` (or ``launcher.running_server``)
and point boto3 at it with ``AWS_ENDPOINT_URL_SUPPORT=http://127.0.0.1:PORT``. Drive the support
engineer's side, the clock and faults with ``client.ControlClient``.
"""
