{{- define "kp.kafka.readyScript" -}}
#!/bin/bash
{{ .Values.header }}
# Readiness (R15, C06): the broker answers a Kafka ApiVersions request on its real listener port.
# Same question as kafka-broker-api-versions.sh, without starting a JVM on every probe.
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${1:-{{ .Values.kafka.ports.internal }}}"
# ApiVersions v0 request: size 15, api key 18, version 0, correlation id 1, client id "ready"
printf '\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x01\x00\x05ready' >&3
# The response starts with its size (4 bytes), correlation id 1 (4 bytes) and error code 0 (2 bytes).
reply="$(timeout 5 head -c 10 <&3 | od -An -tx1 | tr -d ' \n')"
[[ "${reply:8:12}" == "000000010000" ]]
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
# Rack-aware StatefulSets are pinned to one zone and name it, so replicas spread over zones (R22).
if [[ -n "${BROKER_RACK:-}" ]]; then
  overrides+=(--override "broker.rack=${BROKER_RACK}")
fi
exec "${KAFKA_HOME:-/opt/kafka}/bin/kafka-server-start.sh" "${KAFKA_CONFIG:-{{ .Values.configMount }}/server.properties}" \
  "${overrides[@]}"
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
