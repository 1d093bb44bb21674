{{/* The files of the ConfigMaps, as templates/config/*.j2 of kafka-profiles lay them out. */}}
{{- define "kp.kafka.readyScript" -}}
#!/bin/bash
{{ .Values.header }}
# Broker probes, speaking the Kafka protocol on the broker's own listener (no JVM per probe).
#   started: the broker answers an ApiVersions request (startup: log recovery is over).
#   ready:   it answers, knows itself as a live broker, and every partition that lists it as a replica
#            has it in the ISR (R15, C06). A restarted broker is Ready only once it has caught up, so a
#            roll (one broker at a time, the next after this one is Ready) or a drain never takes a
#            second replica of a partition while the first is still out of sync. A partition without
#            this broker does not count: another broker being down must not make this one unready.
set -euo pipefail
mode="${1:-ready}"
port="${2:-{{ .Values.kafka.ports.internal }}}"
broker_id="${POD_NAME##*-}"
[[ "$mode" == started || "$mode" == ready ]] || { echo "usage: $0 started|ready [port]" >&2; exit 2; }
exec 3<>"/dev/tcp/127.0.0.1/${port}"

# A request: size, api key, version, correlation id 1, client id "ready", then the body (all hex).
request() {
  local hex
  hex=$(printf "%04x%04x%08x%04x%s%s" "$1" "$2" 1 5 7265616479 "$3")
  hex=$(printf "%08x%s" $(( ${#hex} / 2 )) "$hex")
  printf "%b" "$(sed 's/../\\x&/g' <<<"$hex")" >&3
}
# The response as decimal bytes, one per line. Its 4-byte size is read a byte at a time (dd bs=1), so
# no tool reads past it into the body.
response() {
  local size
  size=$(timeout 5 dd bs=1 count=4 <&3 2>/dev/null | od -An -v -tu1 |
    awk '{for (i = 1; i <= NF; i++) n = n * 256 + $i} END {print n + 0}')
  timeout 5 head -c "$size" <&3 | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d'
}

case "$mode" in
  started)
    request 18 0 ""  # ApiVersions v0
    # correlation id 1, error code 0
    [[ "$(response | head -n 6 | tr '\n' ' ')" == "0 0 0 1 0 0 " ]]
    ;;
  ready)
    request 3 4 "ffffffff00"  # Metadata v4: all topics (null array), no auto-creation
    response | awk -v me="$broker_id" '
      function i8() { return b[p++] }
      function i16(  v) { v = b[p] * 256 + b[p + 1]; p += 2; return v >= 32768 ? v - 65536 : v }
      function i32(  v) { v = ((b[p] * 256 + b[p + 1]) * 256 + b[p + 2]) * 256 + b[p + 3]; p += 4; return v >= 2147483648 ? v - 4294967296 : v }
      function str(  n) { n = i16(); if (n > 0) p += n }
      { b[n++] = $1 }
      END {
        p = 0
        if (n < 8 || i32() != 1) { print "no Metadata answer" > "/dev/stderr"; exit 1 }
        i32()  # throttle time
        live = 0
        for (brokers = i32(); brokers > 0; brokers--) { if (i32() == me) live = 1; str(); i32(); str() }
        str()  # cluster id
        if (i32() < 0) { print "no controller known" > "/dev/stderr"; exit 1 }
        if (!live) { print "broker " me " is not among the live brokers yet" > "/dev/stderr"; exit 1 }
        behind = 0
        for (topics = i32(); topics > 0; topics--) {
          i16(); str(); i8()  # error code, name, is_internal
          for (partitions = i32(); partitions > 0; partitions--) {
            i16(); i32(); i32()  # error code, partition, leader
            hosted = 0; insync = 0
            for (k = i32(); k > 0; k--) if (i32() == me) hosted = 1
            for (k = i32(); k > 0; k--) if (i32() == me) insync = 1
            if (hosted && !insync) behind++
          }
        }
        if (p > n) { print "truncated Metadata answer" > "/dev/stderr"; exit 1 }
        if (behind) { print behind " partition(s) still have broker " me " out of the ISR" > "/dev/stderr"; exit 1 }
      }'
    ;;
esac
{{ end }}

{{- define "kp.kafka.startScript" -}}
#!/bin/bash
{{ .Values.header }}
# Starts one broker. Its id and advertised listener come from the pod's name, so all brokers share
# one server.properties: pod <statefulset>-N is broker N, behind the Service of the same name (R13, R14).
set -euo pipefail
ordinal="${POD_NAME##*-}"
host="${POD_NAME}.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN}"
overrides=(--override "broker.id=${ordinal}" --override "advertised.listeners=PLAINTEXT://${host}:{{ .Values.kafka.ports.internal }}")
{{- if .Values.kafka.rackAware }}
# R22: replicas spread over racks only if every broker names its zone. BROKER_RACK is the pod's
# {{ .Values.zoneLabel }} label, copied from its node when it was scheduled (Kubernetes 1.35+).
if [[ -z "${BROKER_RACK:-}" ]]; then
  echo "start-kafka.sh: pod ${POD_NAME} has no {{ .Values.zoneLabel }} label, so broker.rack would be empty and" \
    "replicas could share a zone; needs Kubernetes 1.35+ (PodTopologyLabels admission) and nodes labelled" \
    "with their zone, or kafka.rackAware=false" >&2
  exit 1
fi
overrides+=(--override "broker.rack=${BROKER_RACK}")
{{- end }}
exec "${KAFKA_HOME:-/opt/kafka}/bin/kafka-server-start.sh" "${KAFKA_CONFIG:-{{ .Values.configMount }}/server.properties}" \
  "${overrides[@]}"
{{ end }}

{{- define "kp.kafka.log4j" -}}
{{ .Values.header }}
# Broker logging (log4j 1 / reload4j, Kafka 3.x): everything to the console. The image's default sends the
# kafka, controller, state-change, cleaner, request and authorizer loggers to hourly files that are never
# deleted; in a bounded emptyDir that ends in an eviction. The kubelet rotates the container's stdout.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# The upstream levels, minus the TRACE loggers: state changes and the controller at INFO.
log4j.logger.org.apache.zookeeper=INFO
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.state.change.logger=INFO
log4j.logger.kafka.authorizer.logger=INFO
{{ end }}

{{- define "kp.zookeeper.startScript" -}}
#!/bin/bash
{{ .Values.header }}
# Starts one ZooKeeper server: myid is the pod's ordinal + 1, matching server.N in zoo.cfg.
set -euo pipefail
config="${ZOO_CFG:-{{ .Values.configMount }}/zoo.cfg}"
ordinal="${POD_NAME##*-}"
data_dir="$(sed -n 's/^dataDir=//p' "$config")"
mkdir -p "$data_dir"
echo "$((ordinal + 1))" > "$data_dir/myid"
exec "${ZOOKEEPER_HOME:-/apache-zookeeper-{{ .Values.zookeeper.version }}-bin}/bin/zkServer.sh" start-foreground "$config"
{{ end }}

{{- define "kp.zookeeper.probeScript" -}}
#!/bin/bash
{{ .Values.header }}
# Probes (R15): "live" asks ruok (the process answers); "ready" asks srvr, which reports a Mode only
# while the server is part of a quorum that serves requests (ruok says imok even without quorum).
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${2:-{{ .Values.zookeeper.ports.client }}}"
case "${1:-ready}" in
  live) printf ruok >&3; [[ "$(timeout 5 cat <&3)" == imok ]] ;;
  ready) printf srvr >&3; reply="$(timeout 5 cat <&3)"; grep -Eq '^Mode: (leader|follower|standalone)' <<<"$reply" ;;
  *) echo "usage: $0 live|ready [port]" >&2; exit 2 ;;
esac
{{ end }}
