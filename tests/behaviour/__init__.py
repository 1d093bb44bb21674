"""What a user sees: CLI, rendered files, explain, drift, determinism, golden output."""
