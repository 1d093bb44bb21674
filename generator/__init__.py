"""Kafka tuning profiles rendered into validated Kubernetes manifests and configuration files."""

__version__ = "0.1.0"
