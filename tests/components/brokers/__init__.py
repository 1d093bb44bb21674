"""The brokers component: StatefulSet, server.properties, scripts, budget."""
