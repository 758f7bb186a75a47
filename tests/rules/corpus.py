"""Secrets and look-alikes for the secret scanning rule: each entry is one line of text, as it would be
pasted into a message or a log. The secrets are made up (or AWS's own documentation examples) and
each is of a different form; the look-alikes are what support messages hold every day and must pass.

Every secret is written so that it is the only one on its line; ``secret`` is the part a message must
never show and whose column the refusal must point at.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    name: str
    line: str
    secret: str = ""  # for a secret: the text that must not be shown (its first characters are located)

    @property
    def col(self) -> int:
        """1-based column of the secret in the line."""
        return self.line.index(self.secret) + 1


_PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi+7ARCmJmYGxrB7aHKPAN6bIbp"

SECRETS = [
    Sample(
        "aws-access-key-id", "The pipeline used AKIAZ7VRSQ4XJ2LMPQ5T for the upload.", "AKIAZ7VRSQ4XJ2LMPQ5T"
    ),
    Sample("aws-docs-example-key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    Sample("aws-temporary-key-id", "export AWS_ACCESS_KEY_ID=ASIAQWERTYUIOPASDFGH", "ASIAQWERTYUIOPASDFGH"),
    Sample(
        "aws-secret-access-key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    Sample(
        "aws-secret-in-env",
        'AWS_SECRET_ACCESS_KEY="9drTJvcXLB89EXAMPLELB8923FB892xMFI+Kx9Qm"',
        "9drTJvcXLB89EXAMPLELB8923FB892xMFI+Kx9Qm",
    ),
    Sample("rsa-private-key", f"-----BEGIN RSA PRIVATE KEY-----\n{_PEM_BODY}", _PEM_BODY),
    Sample("ec-private-key", f"-----BEGIN EC PRIVATE KEY-----\n{_PEM_BODY[::-1]}", _PEM_BODY[::-1]),
    Sample(
        "openssh-private-key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
        "b3Blb",
    ),
    Sample("pkcs8-private-key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw", "MIIEv"),
    Sample("dsa-private-key", "-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQDhxLqzj4Yp0V7cSd0a", "MIIBu"),
    Sample(
        "github-personal-token",
        "git clone https://x:ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12@github.com/acme/app",
        "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12",
    ),
    Sample(
        "github-oauth-token",
        "token: gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    Sample(
        "github-app-token",
        "GH_TOKEN ghs_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2",
        "ghs_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2",
    ),
    Sample(
        "slack-bot-token",
        "The bot uses xoxb-263594206564-2343823520612-NnDQbZsWbj7hdMYXbn2YVWaT today",
        "xoxb-263594206564-2343823520612-NnDQbZsWbj7hdMYXbn2YVWaT",
    ),
    Sample("slack-user-token", "xoxp-4950393832-4950393833-4950393834-e1d5b3a9f2c7d8e6", "xoxp-4950393832"),
    Sample(
        "slack-webhook",
        "alerts go to https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/aBcDeFgHiJkLmNoPqRsTuVwX",
        "https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/aBcDeFgHiJkLmNoPqRsTuVwX",
    ),
    Sample(
        "stripe-live-key",
        "stripe key sk_live_4eC39HqLyjWDarjtT1zdp7dc in the config",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    Sample(
        "sendgrid-key",
        "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",
        "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",
    ),
    Sample(
        "twilio-key",
        "Twilio API key SK2a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e",
        "SK2a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e",
    ),
    Sample(
        "mailchimp-key",
        "mailchimp 3c1f0a9b8e7d6c5b4a39281706f5e4d3-us12 for the list",
        "3c1f0a9b8e7d6c5b4a39281706f5e4d3-us12",
    ),
    Sample(
        "jwt",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ),
    Sample(
        "basic-auth-url", "jdbc url postgres://orders:Xk9pLm2qRt@orders-db.internal:5432/orders", "Xk9pLm2qRt"
    ),
    Sample(
        "npm-token",
        "//registry.npmjs.org/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    Sample("password-colon", "password: hunter2", "hunter2"),
    Sample("password-equals", "DB_PASSWORD=S3cr3tP@ssw0rd!", "S3cr3tP@ssw0rd!"),
    Sample("password-quoted-json", '{"username": "svc_orders", "password": "Tr0ub4dor&3"}', "Tr0ub4dor&3"),
    Sample(
        "passwd-in-log", "2026-11-24T03:12:09Z INFO login user=admin passwd: correcthorse42", "correcthorse42"
    ),
    Sample(
        "api-key-assignment", "api_key: 8f14e45fceea167a5a36dedd4bea2543", "8f14e45fceea167a5a36dedd4bea2543"
    ),
    Sample(
        "secret-assignment",
        "client_secret = 'd41d8cd98f00b204e9800998ecf8427e'",
        "d41d8cd98f00b204e9800998ecf8427e",
    ),
    Sample(
        "high-entropy-base64",
        'signing_key = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0"',
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0",
    ),
    Sample(
        "azure-storage-key",
        "AccountKey=lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==",
        "lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==",
    ),
    Sample(
        "discord-bot-token",
        "bot token MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs here",
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
    ),
]

LOOKALIKES = [
    Sample("instance-id", "The instance i-0abc123def4567890 failed its status check twice."),
    Sample("ami-id", "We launched from ami-0c55b159cbfafe1f0 in eu-west-1."),
    Sample("volume-id", "The volume vol-049df61146c4d7901 shows high latency."),
    Sample("account-id", "Our account 123456789012 is the management account."),
    Sample("role-arn", "The role arn:aws:iam::123456789012:role/orders-deploy cannot assume the other role."),
    Sample(
        "kms-key-arn", "The key arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    ),
    Sample("request-id", "Request ID: 1b4e28ba-2fa1-11d2-883f-0016d3cca427 returned a 500."),
    Sample("caseid", "Related case case-123456789012-muen-2026-6230ea95ad0336cf was resolved."),
    Sample("commit-sha", "We deployed commit 3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b at 14:02 UTC."),
    Sample("s3-url", "Replication from s3://analytics-raw/2026/11/24/ lags by 6 hours."),
    Sample("password-reset", "Password reset emails from Cognito arrive 20 minutes late."),
    Sample("password-policy", "Our password policy requires 14 characters and rotation every 90 days."),
    Sample("password-redacted", "password: <redacted>"),
    Sample("password-stars", "password: ********"),
    Sample("password-env-reference", "password: ${DB_PASSWORD}"),
    Sample("token-expired", "The session token expired at 12:00 and the SDK did not refresh it."),
    Sample("secret-manager-name", "The secret orders/prod/db in Secrets Manager fails to rotate."),
    Sample("access-key-word", "We rotated every access key last week, as Trusted Advisor suggested."),
    Sample("akia-alone", "Keys that start with AKIA are long-term keys, ASIA temporary ones."),
    Sample("ghp-prefix", "GitHub tokens begin with ghp_ and we revoked ours."),
    Sample("begin-certificate", "-----BEGIN CERTIFICATE----- is the header of the cert we uploaded to ACM."),
    Sample("ip-and-port", "The ALB at 10.0.12.7:443 answers 502 to 3% of requests."),
    Sample("email", "Please copy dba-oncall@example.com on replies."),
    Sample("etag", "The object's ETag 9b2cf535f27731c974343645a3985328 does not match the upload."),
    Sample("cloudfront-id", "Distribution E2QWRUHAPOMQZL serves stale content."),
    Sample("timestamps", "2026-11-24T03:12:09.123Z ERROR connection reset by peer (errno 104)"),
    Sample("vpc-ids", "vpc-0a1b2c3d4e5f67890 peers with vpc-0f9e8d7c6b5a43210 but routes are missing."),
    Sample("sqs-url", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq has 40k messages."),
    Sample("lambda-version", "arn:aws:lambda:eu-west-1:123456789012:function:resize:17 times out after 3 s."),
    Sample("key-pair-name", "The key pair prod-bastion-2026 cannot be imported."),
    Sample(
        "uuid-list",
        "Tasks 6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b and 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d stopped.",
    ),
    Sample("instance-type", "m6i.large and r6g.2xlarge behave the same; c7g.4xlarge does not."),
    Sample("secret-santa", "Thank you for the quick answer; no secret here, only a question about quotas."),
]
