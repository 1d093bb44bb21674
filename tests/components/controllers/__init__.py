"""The controllers component and KRaft targets: StatefulSet, voters, server.properties, start script."""
