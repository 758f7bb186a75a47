"""The conversation with AWS where the team works: ``log``, ``status`` and ``transcripts``, read from the
stack and from AWS."""
