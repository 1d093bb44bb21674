"""Real-cluster tests: real ZooKeeper and Kafka JVMs on loopback, fed with the generator's output."""
