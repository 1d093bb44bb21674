"""One package per feature. Each defines COMPONENT (a generator.core.component.Component) and keeps its
schema.json beside it; its templates live in templates/<name>/. The engine finds them here."""
