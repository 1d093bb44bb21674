"""tests/bench/ holds benchmark inputs (site files, a Helm chart), not tests: `make bench` uses them."""

collect_ignore_glob = ["*"]
