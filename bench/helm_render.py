"""One Helm render as a whole process, the benchmark's anchor: `helm template --output-dir` in Python.

The Helm engine is Helm's own Go SDK (v4), compiled into libhelm_c and shipped inside the
helm-python-sdk wheel from PyPI; nothing is downloaded at run time.

usage: python bench/helm_render.py CHART OUT_DIR [VALUES_JSON]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import helm_python as helm


def main() -> None:
    chart, out_dir = sys.argv[1], Path(sys.argv[2])
    values = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    with helm.Chart.load(chart) as loaded:
        rendered = loaded.render(values, name="kafka", namespace="kafka")
    for path, text in rendered.items():
        if not text.strip():
            continue  # helpers (_*.tpl) render to nothing; helm template skips them too
        destination = out_dir / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
