"""Kubernetes pieces the components share: object names and labels, image references, the pinned API
schemas and the invariants that objects of one target must keep together."""
