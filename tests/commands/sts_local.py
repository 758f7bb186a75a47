"""A loopback STS that answers AssumeRole, for tests of accounts reached through a role.

The credentials it hands out carry the role's 12-digit account id in their access key id, which is how
supportlocal tells accounts apart, so a case opened through the role lands in the role's account.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_ANSWER = """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIA{account}</AccessKeyId>
      <SecretAccessKey>role-secret</SecretAccessKey>
      <SessionToken>role-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROA{account}:{session}</AssumedRoleId>
      <Arn>arn:aws:sts::{account}:assumed-role/role/{session}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>local</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""


@dataclass
class LocalSts:
    """The URL to point ``AWS_ENDPOINT_URL_STS`` at, and every AssumeRole request received (its form)."""

    url: str
    requests: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def running_sts() -> Iterator[LocalSts]:
    """Serve STS AssumeRole on 127.0.0.1 until the block ends."""
    sts = LocalSts("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            sts.requests.append(form)
            account = form["RoleArn"].split(":")[4]
            body = _ANSWER.format(account=account, session=form["RoleSessionName"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sts.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sts
    finally:
        server.shutdown()
        server.server_close()
