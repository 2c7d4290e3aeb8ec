"""The shape rules the client and the bundled backend must agree on, written once.

Pure Python and nothing else (no Textual, no FastAPI, neither of kshop's other packages):
`kshop_tui.validation` and the CLI check a value with it before the round trip, and
`fake_backend.services.rules` refuses with it (lint-imports keeps it that way).
"""
