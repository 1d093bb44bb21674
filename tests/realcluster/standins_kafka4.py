"""Stand-ins for the Kafka 4.x distribution's bin/ scripts and default log4j2 files (KRaft pods).

Like standins.py (read its docstring): the only files of a 4.x pod's root that come neither from the
rendered pod spec nor from the Maven artifacts. Written to honour the environment contract of the upstream
ones, read at the "Bump version to 4.1.2" commit c82fd9b934b4 (apache/kafka 4.1 branch):
  bin/kafka-server-start.sh, bin/kafka-run-class.sh (release layout), bin/kafka-storage.sh and the other
  one-line tool wrappers, config/log4j2.yaml, config/tools-log4j2.yaml.
What changed from 3.x: log4j2 (`-Dlog4j2.configurationFile=`, a log4j 1.x file switches on
LOG4J_COMPATIBILITY), tools log WARN to stderr from tools-log4j2.yaml, JMX `jmxremote=true`.
"""

from __future__ import annotations

# Upstream: bin/kafka-server-start.sh @4.1.2. Default heap and log4j2 file, EXTRA_ARGS "-name kafkaServer
# -loggc" (kept when set, even to ""), then kafka-run-class.sh kafka.Kafka "$@".
SERVER_START = r"""#!/bin/bash
# Stand-in (kafka-profiles test harness) for apache/kafka 4.1 bin/kafka-server-start.sh: same environment
# contract, written for the pod-spec harness; see tests/realcluster/standins_kafka4.py.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi
base_dir=$(dirname "$0")
if [ -z "$KAFKA_LOG4J_OPTS" ]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/../config/log4j2.yaml"
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

# Upstream: bin/kafka-run-class.sh @4.1.2, release layout only (every file of libs/ on the class path).
RUN_CLASS = r"""#!/bin/bash
# Stand-in (kafka-profiles test harness) for apache/kafka 4.1 bin/kafka-run-class.sh: same environment
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
    *-test.jar|*-test-sources.jar|*-src.jar|*-scaladoc.jar|*-javadoc.jar|*.jar.asc|*/connect-file*.jar) ;;
    *) CLASSPATH="$CLASSPATH:$file" ;;
  esac
done
shopt -u nullglob
CLASSPATH=${CLASSPATH#:}
if [ -z "$KAFKA_JMX_OPTS" ]; then
  KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote=true -Dcom.sun.management.jmxremote.authenticate=false  -Dcom.sun.management.jmxremote.ssl=false "
fi
if [ "x$LOG_DIR" = "x" ]; then
  LOG_DIR="$base_dir/logs"
fi
if [ -z "$KAFKA_LOG4J_OPTS" ]; then
  # a tool: console only
  KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
else
  if echo "$KAFKA_LOG4J_OPTS" | grep -E "log4j\.[^[:space:]]+(\.properties|\.xml)$" >/dev/null; then
    export LOG4J_COMPATIBILITY=true
    echo "DEPRECATED: A Log4j 1.x configuration file has been detected, which is no longer recommended." >&2
  fi
  # upstream creates LOG_DIR only when a log4j config was given (servers, not tools)
  if [ ! -d "$LOG_DIR" ]; then
    mkdir -p "$LOG_DIR"
  fi
fi
KAFKA_LOG4J_CMD_OPTS="-Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS"
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
exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_CMD_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@"
"""

# Upstream: the one-line wrappers of bin/ @4.1.2 (exec $(dirname $0)/kafka-run-class.sh <class> "$@").
TOOLS = {
    "kafka-storage.sh": "kafka.tools.StorageTool",
    "kafka-features.sh": "org.apache.kafka.tools.FeatureCommand",
    "kafka-metadata-quorum.sh": "org.apache.kafka.tools.MetadataQuorumCommand",
    "kafka-topics.sh": "org.apache.kafka.tools.TopicCommand",
    "kafka-console-producer.sh": "org.apache.kafka.tools.ConsoleProducer",
    "kafka-console-consumer.sh": "org.apache.kafka.tools.consumer.ConsoleConsumer",
}


def tool_wrapper(main_class: str) -> str:
    return (
        "#!/bin/bash\n"
        "# Stand-in (kafka-profiles test harness) for the apache/kafka 4.1 bin/ wrapper of this tool.\n"
        f'exec "$(dirname "$0")/kafka-run-class.sh" {main_class} "$@"\n'
    )


# Upstream: config/log4j2.yaml @4.1.2, the file kafka-server-start.sh names when KAFKA_LOG4J_OPTS is unset.
# Same behaviour in our words: root INFO to stdout and server.log; request, controller, cleaner, state
# change and authorizer loggers to their own hourly files under ${sys:kafka.logs.dir}, never deleted.
_FILES = (
    ("KafkaAppender", "server.log"),
    ("StateChangeAppender", "state-change.log"),
    ("RequestAppender", "kafka-request.log"),
    ("CleanerAppender", "log-cleaner.log"),
    ("ControllerAppender", "controller.log"),
    ("AuthorizerAppender", "kafka-authorizer.log"),
)
_LOGGERS = (
    ("kafka.request.logger", "WARN", "RequestAppender"),
    ("kafka.network.RequestChannel$", "WARN", "RequestAppender"),
    ("org.apache.kafka.controller", "INFO", "ControllerAppender"),
    ("org.apache.kafka.storage.internals.log.LogCleaner", "INFO", "CleanerAppender"),
    ("state.change.logger", "INFO", "StateChangeAppender"),
    ("kafka.authorizer.logger", "INFO", "AuthorizerAppender"),
)
SERVER_LOG4J2 = (
    "# Stand-in (kafka-profiles test harness) for apache/kafka 4.1 config/log4j2.yaml: same behaviour.\n"
    "Configuration:\n"
    "  Properties:\n"
    "    Property:\n"
    '      - {name: "kafka.logs.dir", value: "."}\n'
    '      - {name: "logPattern", value: "[%d] %p %m (%c)%n"}\n'
    "  Appenders:\n"
    '    Console: {name: STDOUT, PatternLayout: {pattern: "${logPattern}"}}\n'
    "    RollingFile:\n"
    + "".join(
        f'      - name: {name}\n        fileName: "${{sys:kafka.logs.dir}}/{file}"\n'
        f'        filePattern: "${{sys:kafka.logs.dir}}/{file}.%d{{yyyy-MM-dd-HH}}"\n'
        '        PatternLayout: {pattern: "${logPattern}"}\n'
        "        TimeBasedTriggeringPolicy: {modulate: true, interval: 1}\n"
        for name, file in _FILES
    )
    + "  Loggers:\n"
    "    Root: {level: INFO, AppenderRef: [{ref: STDOUT}, {ref: KafkaAppender}]}\n"
    "    Logger:\n"
    + "".join(
        f"      - {{name: {logger!r}, level: {level}, additivity: false, AppenderRef: {{ref: {appender}}}}}\n"
        for logger, level, appender in _LOGGERS
    )
)

# Upstream: config/tools-log4j2.yaml @4.1.2: WARN to stderr.
TOOLS_LOG4J2 = """\
# Stand-in (kafka-profiles test harness) for apache/kafka 4.1 config/tools-log4j2.yaml.
Configuration:
  Appenders:
    Console: {name: STDERR, target: SYSTEM_ERR, PatternLayout: {pattern: "[%d] %p %m (%c)%n"}}
  Loggers:
    Root: {level: WARN, AppenderRef: [{ref: STDERR}]}
"""


def files(home: str) -> dict[str, str]:
    """Path -> text of every stand-in a 4.x image's root gets."""
    found = {
        f"{home}/bin/kafka-server-start.sh": SERVER_START,
        f"{home}/bin/kafka-run-class.sh": RUN_CLASS,
        f"{home}/config/log4j2.yaml": SERVER_LOG4J2,
        f"{home}/config/tools-log4j2.yaml": TOOLS_LOG4J2,
    }
    found.update({f"{home}/bin/{name}": tool_wrapper(main) for name, main in TOOLS.items()})
    return found
