from __future__ import annotations

from fake_backend.cli import main

raise SystemExit(main())
