"""One trivial dynamic resource whose provider records every call it serves.

The provider appends a JSON line per call (create/diff/update/read/delete) to the file named by the
`journal` input, and the program one "program" line per run, each with the pid and working directory
of the process, so the test sees what the real engine did and where. The provider also tries
`pulumi.log.info` and records whether it worked.
"""

import json
import os

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


def _record(journal: str, event: str, **extra: object) -> None:
    line = {"event": event, "pid": os.getpid(), "cwd": os.getcwd(), **extra}
    with open(journal, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def _log(message: str) -> str:
    try:
        pulumi.log.info(message)
    except Exception as exc:  # report, never fail the operation over logging
        return f"{type(exc).__name__}: {exc}"
    return "ok"


class RecorderProvider(ResourceProvider):
    def _outs(self, props: dict) -> dict:
        return {
            "message": props["message"],
            "journal": props["journal"],
            "length": len(props["message"]),
            "provider_pid": os.getpid(),
            "provider_cwd": os.getcwd(),
        }

    def create(self, props: dict) -> CreateResult:
        log = _log(f"recorder: create {props['message']!r}")
        _record(props["journal"], "create", message=props["message"], log=log)
        return CreateResult(id_=f"rec-{len(props['message'])}", outs=self._outs(props))

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        changed = olds.get("message") != news.get("message")
        _record(news["journal"], "diff", changed=changed)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict, news: dict) -> UpdateResult:
        log = _log(f"recorder: update {olds.get('message')!r} -> {news['message']!r}")
        _record(news["journal"], "update", old=olds.get("message"), message=news["message"], log=log)
        return UpdateResult(outs=self._outs(news))

    def read(self, id_: str, props: dict) -> ReadResult:
        _record(props["journal"], "read", id=id_, message=props.get("message"))
        return ReadResult(id_=id_, outs=props)

    def delete(self, id_: str, props: dict) -> None:
        _record(props["journal"], "delete", id=id_, message=props.get("message"))


class Recorder(Resource):
    message: pulumi.Output[str]
    length: pulumi.Output[int]
    provider_pid: pulumi.Output[int]
    provider_cwd: pulumi.Output[str]

    def __init__(self, name: str, message: str, journal: str, opts: pulumi.ResourceOptions | None = None):
        props = {
            "message": message,
            "journal": journal,
            "length": None,
            "provider_pid": None,
            "provider_cwd": None,
        }
        super().__init__(RecorderProvider(), name, props, opts)


config = pulumi.Config()
journal = config.require("journal")
_record(journal, "program", dry_run=pulumi.runtime.is_dry_run())
recorder = Recorder("smoke", message=config.get("message") or "hello", journal=journal)

pulumi.export("id", recorder.id)
pulumi.export("message", recorder.message)
pulumi.export("length", recorder.length)
pulumi.export("provider_pid", recorder.provider_pid)
pulumi.export("provider_cwd", recorder.provider_cwd)
pulumi.export("secret_message", pulumi.Output.secret(recorder.message))
