"""The issue-context export: one issue's description, comments and attachments as a bundle on disk.

`<folder>/<ISSUE-KEY>/raw.md`, `manifest.json` and `attachments/<id>_<safe name>`, built aside
and swapped into place whole.
"""
