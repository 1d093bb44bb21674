"""The failure budget component."""
