from __future__ import annotations

from kshop_tui.cli import main

raise SystemExit(main())
