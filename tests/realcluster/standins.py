"""Stand-ins for the files of the Kafka and ZooKeeper distributions that are not on Maven Central.

THE ONLY PART OF THE POD-SPEC HARNESS THAT COMES NEITHER FROM THE RENDERED POD SPEC NOR FROM THE ARTIFACTS
(with standins_kafka4.py, its counterpart for the Kafka 4.x images of KRaft targets).
The images unpack the release tarballs; the jars come from Maven (artifacts.py), but the tarballs' bin/
scripts and default config files do not. These are our own scripts, written to honour the environment
contract of the upstream ones (read from, and named beside each script):
  apache/kafka bin/kafka-server-start.sh, bin/kafka-run-class.sh, config/log4j.properties
  apache/zookeeper bin/zkServer.sh, bin/zkEnv.sh (3.8 line)
They leave out what a container never uses (Cygwin, -daemon mode, the source-tree class paths, JMX ports).
"""

from __future__ import annotations

# Upstream: apache/kafka bin/kafka-server-start.sh. Default heap and log4j config, EXTRA_ARGS default
# "-name kafkaServer -loggc" (kept when set, even to ""), then kafka-run-class.sh kafka.Kafka "$@".
KAFKA_SERVER_START = r"""#!/bin/bash
# Stand-in (kafka-profiles test harness) for apache/kafka bin/kafka-server-start.sh: same environment
# contract, written for the pod-spec harness; see tests/realcluster/standins.py.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi
base_dir=$(dirname "$0")
if [ "x$KAFKA_LOG4J_OPTS" = "x" ]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/../config/log4j.properties"
fi
if [ "x$KAFKA_HEAP_OPTS" = "x" ]; then
  export KAFKA_HEAP_OPTS="-Xmx1G -Xms1G"
fi
EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer -loggc'}
if [ "$1" = -daemon ]; then
  echo "kafka-server-start.sh (stand-in): -daemon is not supported in a container" >&2
  exit 64
fi
exec "$base_dir/kafka-run-class.sh" $EXTRA_ARGS kafka.Kafka "$@"
"""

# Upstream: apache/kafka bin/kafka-run-class.sh (release layout: every file of libs/ on the class path).
KAFKA_RUN_CLASS = r"""#!/bin/bash
# Stand-in (kafka-profiles test harness) for apache/kafka bin/kafka-run-class.sh: same environment
# contract (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS,
# KAFKA_LOG4J_OPTS, KAFKA_OPTS, LOG_DIR, JAVA_HOME; -name, -loggc), release layout only.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]"
  exit 1
fi
base_dir=$(dirname "$0")/..
shopt -s nullglob
for file in "$base_dir"/libs/*; do
  case "$file" in
    *-test.jar|*-test-sources.jar|*-src.jar|*-scaladoc.jar|*-javadoc.jar|*.jar.asc) ;;
    *) CLASSPATH="$CLASSPATH:$file" ;;
  esac
done
shopt -u nullglob
CLASSPATH=${CLASSPATH#:}
if [ -z "$KAFKA_JMX_OPTS" ]; then
  KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false  -Dcom.sun.management.jmxremote.ssl=false "
fi
if [ "x$LOG_DIR" = "x" ]; then
  LOG_DIR="$base_dir/logs"
fi
if [ -z "$KAFKA_LOG4J_OPTS" ]; then
  KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"
else
  # upstream creates LOG_DIR only when a log4j config was given (servers, not tools)
  if [ ! -d "$LOG_DIR" ]; then
    mkdir -p "$LOG_DIR"
  fi
fi
KAFKA_LOG4J_OPTS="-Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS"
if [ -z "$JAVA_HOME" ]; then
  JAVA="java"
else
  JAVA="$JAVA_HOME/bin/java"
fi
if [ -z "$KAFKA_HEAP_OPTS" ]; then
  KAFKA_HEAP_OPTS="-Xmx256M"
fi
if [ -z "$KAFKA_JVM_PERFORMANCE_OPTS" ]; then
  KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
fi
while [ $# -gt 0 ]; do
  case $1 in
    -name) DAEMON_NAME=$2; shift 2 ;;
    -loggc) if [ -z "$KAFKA_GC_LOG_OPTS" ]; then GC_LOG_ENABLED="true"; fi; shift ;;
    -daemon) echo "kafka-run-class.sh (stand-in): -daemon is not supported in a container" >&2; exit 64 ;;
    *) break ;;
  esac
done
if [ "x$GC_LOG_ENABLED" = "xtrue" ]; then
  GC_LOG_FILE_NAME=$DAEMON_NAME-gc.log
  JAVA_MAJOR_VERSION=$("$JAVA" -version 2>&1 | sed -E -n 's/.* version "([0-9]*).*$/\1/p')
  if [[ "$JAVA_MAJOR_VERSION" -ge "9" ]]; then
    KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$LOG_DIR/$GC_LOG_FILE_NAME:time,tags:filecount=10,filesize=100M"
  else
    echo "kafka-run-class.sh (stand-in): Java 8 GC logging is not supported" >&2
    exit 64
  fi
fi
exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@"
"""

# Upstream: apache/kafka config/log4j.properties (3.x), the file kafka-server-start.sh names when
# KAFKA_LOG4J_OPTS is unset. Same loggers, levels and appender kinds, in our own words: root to stdout;
# kafka, request, controller (TRACE), state change (TRACE), cleaner and authorizer loggers to hourly
# DailyRollingFileAppender files under ${kafka.logs.dir}, which nothing ever deletes.
KAFKA_LOG4J = (
    """\
# Stand-in (kafka-profiles test harness) for apache/kafka config/log4j.properties (3.x): same behaviour.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
"""
    + "".join(
        f"""log4j.appender.{name}=org.apache.log4j.DailyRollingFileAppender
log4j.appender.{name}.DatePattern='.'yyyy-MM-dd-HH
log4j.appender.{name}.File=${{kafka.logs.dir}}/{file}
log4j.appender.{name}.layout=org.apache.log4j.PatternLayout
log4j.appender.{name}.layout.ConversionPattern=[%d] %p %m (%c)%n
"""
        for name, file in (
            ("kafkaAppender", "server.log"),
            ("stateChangeAppender", "state-change.log"),
            ("requestAppender", "kafka-request.log"),
            ("cleanerAppender", "log-cleaner.log"),
            ("controllerAppender", "controller.log"),
            ("authorizerAppender", "kafka-authorizer.log"),
        )
    )
    + "".join(
        f"log4j.logger.{logger}={level}, {appender}\nlog4j.additivity.{logger}=false\n"
        for logger, level, appender in (
            ("kafka", "INFO", "kafkaAppender"),
            ("kafka.network.RequestChannel$", "WARN", "requestAppender"),
            ("kafka.request.logger", "WARN", "requestAppender"),
            ("kafka.controller", "TRACE", "controllerAppender"),
            ("kafka.log.LogCleaner", "INFO", "cleanerAppender"),
            ("state.change.logger", "TRACE", "stateChangeAppender"),
            ("kafka.authorizer.logger", "WARN", "authorizerAppender"),
        )
    )
)

# Upstream: apache/kafka config/tools-log4j.properties: WARN to stderr.
KAFKA_TOOLS_LOG4J = """\
# Stand-in (kafka-profiles test harness) for apache/kafka config/tools-log4j.properties.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
"""

# Upstream: apache/zookeeper bin/zkEnv.sh (3.8): ZOOCFGDIR (else /etc/zookeeper, else ../conf),
# zookeeper-env.sh and java.env sourced from it, JAVA from JAVA_HOME, ZOO_LOG_DIR default
# $ZOOKEEPER_PREFIX/logs, ZK_SERVER_HEAP (MB, default 1000) prepended to SERVER_JVMFLAGS as -Xmx, class
# path: ZOOCFGDIR then lib/*.jar.
ZK_ENV = r"""#!/usr/bin/env bash
# Stand-in (kafka-profiles test harness) for apache/zookeeper bin/zkEnv.sh (3.8); see standins.py.
ZOOBINDIR="${ZOOBINDIR:-/usr/bin}"
ZOOKEEPER_PREFIX="${ZOOBINDIR}/.."
if [ "x$ZOOCFGDIR" = "x" ]; then
  if [ -e "${ZOOKEEPER_PREFIX}/conf" ]; then
    ZOOCFGDIR="$ZOOBINDIR/../conf"
  else
    ZOOCFGDIR="$ZOOBINDIR/../etc/zookeeper"
  fi
fi
if [ -f "${ZOOCFGDIR}/zookeeper-env.sh" ]; then
  . "${ZOOCFGDIR}/zookeeper-env.sh"
fi
if [ "x$ZOOCFG" = "x" ]; then
  ZOOCFG="zoo.cfg"
fi
ZOOCFG="$ZOOCFGDIR/$ZOOCFG"
if [ -f "$ZOOCFGDIR/java.env" ]; then
  . "$ZOOCFGDIR/java.env"
fi
if [ "x${ZOO_LOG_DIR}" = "x" ]; then
  ZOO_LOG_DIR="$ZOOKEEPER_PREFIX/logs"
fi
if [[ -n "$JAVA_HOME" ]] && [[ -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
elif type -p java >/dev/null; then
  JAVA=java
else
  echo "Error: JAVA_HOME is not set and java could not be found in PATH." 1>&2
  exit 1
fi
ZOOLIBDIR=${ZOOLIBDIR:-$ZOOBINDIR/../lib}
for i in "$ZOOLIBDIR"/*.jar; do
  CLASSPATH="$CLASSPATH:$i"
done
CLASSPATH="$ZOOCFGDIR:$CLASSPATH"
ZK_SERVER_HEAP="${ZK_SERVER_HEAP:-1000}"
export SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP}m $SERVER_JVMFLAGS"
"""

# Upstream: apache/zookeeper bin/zkServer.sh (3.8), the start-foreground branch: JMX local by default,
# JVMFLAGS="$SERVER_JVMFLAGS $JVMFLAGS", a second argument is the config (a path outside ZOOCFGDIR is
# used as it is), dataDir created, ZOO_LOG_DIR created when not writable, then exec java.
ZK_SERVER = r"""#!/usr/bin/env bash
# Stand-in (kafka-profiles test harness) for apache/zookeeper bin/zkServer.sh (3.8), start-foreground
# only; see tests/realcluster/standins.py.
ZOOBIN="${BASH_SOURCE-$0}"
ZOOBIN="$(dirname "${ZOOBIN}")"
ZOOBINDIR="$(cd "${ZOOBIN}"; pwd)"
. "$ZOOBINDIR"/zkEnv.sh
if [ "x$JMXLOCALONLY" = "x" ]; then
  JMXLOCALONLY=false
fi
if [ "x$JMXDISABLE" = "x" ] || [ "$JMXDISABLE" = 'false' ]; then
  echo "ZooKeeper JMX enabled by default" >&2
  ZOOMAIN="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=$JMXLOCALONLY org.apache.zookeeper.server.quorum.QuorumPeerMain"
else
  ZOOMAIN="org.apache.zookeeper.server.quorum.QuorumPeerMain"
fi
if [ "x$SERVER_JVMFLAGS" != "x" ]; then
  JVMFLAGS="$SERVER_JVMFLAGS $JVMFLAGS"
fi
if [ "x$2" != "x" ]; then
  ZOOCFG="$ZOOCFGDIR/$2"
fi
if [ "x$(dirname "$ZOOCFG")" != "x$ZOOCFGDIR" ]; then
  ZOOCFG="$2"
fi
echo "Using config: $ZOOCFG" >&2
ZOO_DATADIR="$(grep "^[[:space:]]*dataDir" "$ZOOCFG" | sed -e 's/.*=//')"
ZOO_DATADIR="$(echo -e "${ZOO_DATADIR}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
if [ -z "$ZOOPIDFILE" ]; then
  if [ ! -d "$ZOO_DATADIR" ]; then
    mkdir -p "$ZOO_DATADIR"
  fi
fi
if [ ! -w "$ZOO_LOG_DIR" ]; then
  mkdir -p "$ZOO_LOG_DIR"
fi
ZOO_LOG_FILE=zookeeper-$USER-server-$HOSTNAME.log
case $1 in
  start-foreground)
    exec "$JAVA" "-Dzookeeper.log.dir=${ZOO_LOG_DIR}" "-Dzookeeper.log.file=${ZOO_LOG_FILE}" \
      -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' \
      -cp "$CLASSPATH" $JVMFLAGS $ZOOMAIN "$ZOOCFG"
    ;;
  *)
    echo "zkServer.sh (stand-in): only start-foreground is supported, got: $*" >&2
    exit 64
    ;;
esac
"""

# The distribution's conf/ (moved to /conf by the image) holds logback.xml: console at INFO. The Maven
# class path the harness shares with Kafka binds slf4j to reload4j, so the same console logging is
# given here as log4j.properties (found through ZOOCFGDIR on the class path, as logback.xml would be).
ZK_LOGGING = """\
# Stand-in (kafka-profiles test harness) for apache/zookeeper conf/logback.xml (3.8): console, INFO.
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.Threshold=INFO
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
"""
