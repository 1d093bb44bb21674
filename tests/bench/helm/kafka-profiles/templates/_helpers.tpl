{{/* Names, labels and shared pieces; "component" is "kafka" or "zookeeper". */}}
{{- define "kp.name" -}}
{{- if eq .component "kafka" }}{{ .root.Values.cluster.name }}-broker{{ else }}{{ .root.Values.cluster.name }}-zookeeper{{ end -}}
{{- end }}

{{- define "kp.selector" -}}
app.kubernetes.io/instance: {{ .root.Values.cluster.name }}
app.kubernetes.io/name: {{ .component }}
{{- end }}

{{- define "kp.labels" -}}
{{ include "kp.selector" . }}
app.kubernetes.io/managed-by: kafka-profiles
app.kubernetes.io/part-of: {{ .root.Values.cluster.name }}
app.kubernetes.io/version: {{ (index .root.Values .component).version | quote }}
{{- end }}

{{- define "kp.metadata" -}}
metadata:
  name: {{ .name }}
  namespace: {{ .root.Values.cluster.namespace }}
  labels:
    {{- include "kp.labels" . | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{- define "kp.image" -}}
{{- $image := (index .root.Values .component).image -}}
{{- $ref := printf "%s:%s" $image.repository (index .root.Values .component).version -}}
{{- if $image.digest }}{{ printf "%s@%s" $ref $image.digest }}{{ else }}{{ $ref }}{{ end -}}
{{- end }}

{{- define "kp.scheduling" -}}
{{- $replicas := int (index .root.Values .component).replicas -}}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - key: topology.kubernetes.io/zone
              operator: In
              values:
                {{- toYaml .root.Values.cluster.zones | nindent 16 }}
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "kp.selector" . | nindent 12 }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    minDomains: {{ min (len .root.Values.cluster.zones) $replicas }}
    labelSelector:
      matchLabels:
        {{- include "kp.selector" . | nindent 8 }}
{{- end }}

{{- define "kp.podSecurity" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  fsGroup: 1000
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{- define "kp.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop: [ALL]
{{- end }}

{{- define "kp.volumeClaim" -}}
- metadata:
    name: {{ .name }}
  spec:
    accessModes: [ReadWriteOnce]
    storageClassName: {{ .root.Values.cluster.storageClass }}
    resources:
      requests:
        storage: {{ .size }}
{{- end }}

{{/* A properties file: the header, then key=value sorted by key (values here need no escapes). */}}
{{- define "kp.properties" -}}
{{ .header }}
{{ range $key, $value := .values -}}
{{- if not (kindIs "invalid" $value) -}}
{{ $key }}={{ if kindIs "float64" $value }}{{ int64 $value }}{{ else }}{{ $value }}{{ end }}
{{ end -}}
{{- end -}}
{{- end }}

{{- define "kp.zookeeper.host" -}}
{{ .root.Values.cluster.name }}-zookeeper-{{ .ordinal }}.{{ .root.Values.cluster.name }}-zookeeper-headless.{{ .root.Values.cluster.namespace }}.svc.{{ .root.Values.cluster.clusterDomain }}
{{- end }}

{{- define "kp.zookeeper.connect" -}}
{{- $hosts := list -}}
{{- range $ordinal := until (int .Values.zookeeper.replicas) -}}
{{- $host := include "kp.zookeeper.host" (dict "root" $ "ordinal" $ordinal) -}}
{{- $hosts = append $hosts (printf "%s:%d" $host (int $.Values.zookeeper.ports.client)) -}}
{{- end -}}
{{ join "," $hosts }}
{{- end }}

{{- define "kp.kafka.serverProperties" -}}
{{- $config := deepCopy .Values.kafka.config -}}
{{- $_ := set $config "listeners" (printf "PLAINTEXT://:%d" (int .Values.kafka.ports.internal)) -}}
{{- $_ := set $config "listener.security.protocol.map" "PLAINTEXT:PLAINTEXT" -}}
{{- $_ := set $config "inter.broker.listener.name" "PLAINTEXT" -}}
{{- $_ := set $config "log.dirs" "/var/lib/kafka/data" -}}
{{- $_ := set $config "zookeeper.connect" (include "kp.zookeeper.connect" .) -}}
{{- include "kp.properties" (dict "header" .Values.header "values" $config) -}}
{{- end }}

{{- define "kp.zookeeper.zooCfg" -}}
{{- $zk := .Values.zookeeper -}}
{{- $config := deepCopy $zk.config -}}
{{- $_ := set $config "dataDir" "/var/lib/zookeeper/data" -}}
{{- $_ := set $config "dataLogDir" "/var/lib/zookeeper/datalog" -}}
{{- $_ := set $config "clientPort" $zk.ports.client -}}
{{- range $ordinal := until (int $zk.replicas) -}}
{{- $host := include "kp.zookeeper.host" (dict "root" $ "ordinal" $ordinal) -}}
{{- $_ := set $config (printf "server.%d" (add1 $ordinal)) (printf "%s:%d:%d" $host (int $zk.ports.quorum) (int $zk.ports.election)) -}}
{{- end -}}
{{- include "kp.properties" (dict "header" .Values.header "values" $config) -}}
{{- end }}

{{/* The checksum that rolls a component's pods: sha256 of "name\ntext" of each ConfigMap file, by name. */}}
{{- define "kp.checksum" -}}
{{- $joined := "" -}}
{{- range $name, $text := .files -}}
{{- $joined = printf "%s%s\n%s" $joined $name $text -}}
{{- end -}}
{{ sha256sum $joined }}
{{- end }}

{{- define "kp.kafka.files" -}}
kafka-ready.sh: {{ include "kp.kafka.readyScript" . | quote }}
server.properties: {{ include "kp.kafka.serverProperties" . | quote }}
start-kafka.sh: {{ include "kp.kafka.startScript" . | quote }}
{{- end }}

{{- define "kp.zookeeper.files" -}}
start-zookeeper.sh: {{ include "kp.zookeeper.startScript" . | quote }}
zoo.cfg: {{ include "kp.zookeeper.zooCfg" . | quote }}
zookeeper-probe.sh: {{ include "kp.zookeeper.probeScript" . | quote }}
{{- end }}

{{/* The broker StatefulSets as YAML: rack-aware, one per zone with brokers dealt out evenly and ids
     from the zone's index x 100; otherwise one. */}}
{{- define "kp.kafka.sets" -}}
{{- $name := include "kp.name" (dict "root" . "component" "kafka") -}}
{{- $replicas := int .Values.kafka.replicas -}}
{{- if .Values.kafka.rackAware -}}
{{- $zones := .Values.cluster.zones -}}
{{- range $index, $zone := $zones -}}
{{- $count := div $replicas (len $zones) -}}
{{- if lt $index (mod $replicas (len $zones)) }}{{ $count = add1 $count }}{{ end -}}
{{- if gt $count 0 }}
- name: {{ printf "%s-%s" $name (regexReplaceAll "[^a-z0-9-]" (lower $zone) "-" | trimAll "-") }}
  zone: {{ $zone | quote }}
  start: {{ mul $index 100 }}
  replicas: {{ $count }}
{{- end -}}
{{- end -}}
{{- else }}
- name: {{ $name }}
  zone: null
  start: 0
  replicas: {{ $replicas }}
{{- end -}}
{{- end }}
