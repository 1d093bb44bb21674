"""The ZooKeeper component: ensemble, zoo.cfg, probes, budget."""
