"""The cluster component: names, zones, Kubernetes versions, API schemas, cross-object invariants."""
