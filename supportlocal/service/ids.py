"""The identifiers AWS gives cases, attachment sets, attachments and uploads."""

from __future__ import annotations

import secrets

from supportlocal.state.clock import year


def case_id(account: str, language: str, created: float) -> str:
    """``case-<12-digit account>-<4 lowercase letters>-<year>-<16 hex>``.

    S20 and S11 show ``case-111122223333-muen-2022-7118885805350839`` and
    ``case-123456789012-muen-2012-74a757cd8cf7558a``, S4 ``case-12345678910-exen-2025-...``. Public
    material does not explain the 4-letter segment; every public example is an English case and ends
    in ``en``, so supportlocal writes ``mu`` + the case language (assumed, not verified).
    """
    return f"case-{account}-mu{language}-{year(created)}-{secrets.token_hex(8)}"


def attachment_set_id() -> str:
    """An attachment set id (the real format is not public; opaque to clients)."""
    return f"as-{secrets.token_urlsafe(24)}"


def attachment_id() -> str:
    """An attachment id (the real format is not public; opaque to clients)."""
    return f"attachment-{secrets.token_urlsafe(48)}"


def upload_id() -> str:
    """A multipart upload id (the real format is not public; the model allows 1 to 2,048 characters)."""
    return f"upload-{secrets.token_urlsafe(32)}"
