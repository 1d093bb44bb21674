"""Bad and hostile input: fuzzing, limits, secrets, scanners, atomic writes."""
