#!/usr/bin/env bash
# The tests' Debian packages: a JDK and Maven (Kafka and ZooKeeper from Maven Central jars), bubblewrap and
# util-linux (containers started from the rendered pod specs), busybox (the probe scripts under the
# userland of the Alpine-based Kafka image), openssl (the control plane's throwaway certificates), and
# iproute2 (a network namespace per pod). Installs what is missing when we may (root with apt-get);
# otherwise says so and leaves the decision to the tests (skip with a reason, or fail under CI=true).
set -euo pipefail
declare -A package_of=(
  [java]=openjdk-17-jdk-headless [mvn]=maven [bwrap]=bubblewrap [busybox]=busybox [openssl]=openssl
  [ip]=iproute2 [setpriv]=util-linux
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${package_of[$tool]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing for the tests (apt-get): ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "note: cannot install ${missing[*]} here; the tests that need them will say so" >&2
