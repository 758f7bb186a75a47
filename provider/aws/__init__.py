"""The AWS side: the boto3 Support client and the crash-safe execution of planned actions."""
