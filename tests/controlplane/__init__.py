"""A real Kubernetes control plane (etcd, API server, controllers, scheduler, KWOK nodes) on loopback."""
