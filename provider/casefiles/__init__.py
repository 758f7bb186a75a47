"""Case files: finding, parsing (with line:col marks), schema and repository checks, attachments."""
