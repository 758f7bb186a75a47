"""supportlocal over HTTP: the AWS JSON 1.1 protocol, presigned attachment URLs, the control API, faults."""
