"""Numbers the fault tests measure (messages acknowledged, lost, ...): kept for the run's summary.

docs/failure-budget.md quotes them; the summary shows them on every run, so a change is visible.
"""

from __future__ import annotations

from collections.abc import Callable

Recorder = Callable[[str, object], None]
FINDINGS: list[str] = []
