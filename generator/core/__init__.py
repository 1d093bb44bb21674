"""The engine: layers in, validated files out. It names no Kafka, ZooKeeper or Kubernetes kind; every
feature is a component (generator/components/) that brings its schema, model, files, rules and checks."""
