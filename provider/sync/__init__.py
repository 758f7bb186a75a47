"""The sync pipeline: AWS's answers reach the team without anyone at a terminal.

For one stack: ``pulumi refresh`` brings AWS's statuses and replies into the state, the transcripts of the
cases AWS touched are rewritten, and one pull request (GitHub) or merge request (GitLab) per stack, on a
fixed branch, holds exactly the changed ``*.thread.md`` files, with the case files' code owners asked to
review. Merging it changes no case at AWS: transcripts are never case files.
"""
