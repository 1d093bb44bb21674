"""The clients component: producer and consumer configs, librdkafka translation."""
