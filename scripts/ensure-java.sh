#!/usr/bin/env bash
# The real-cluster tests run Kafka and ZooKeeper from Maven Central jars: they need a JDK and Maven.
# Installs them from Debian's packages when missing and we may (root with apt-get); otherwise says so
# and leaves the decision to the tests (skip with a reason, or fail under CI=true).
set -euo pipefail
if command -v java >/dev/null && command -v mvn >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing a JDK and Maven for the real-cluster tests (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
  exit 0
fi
echo "note: java or mvn not found and cannot be installed here; the real-cluster tests will say so" >&2
