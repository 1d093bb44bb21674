"""One folder per component (generator/components/<name>): its rules, model, files and invariants."""
