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

{{/* Scheduling: never two pods of a component on one node; with zones, only nodes in them, spread evenly. */}}
{{- define "kp.scheduling" -}}
{{- $replicas := int (index .root.Values .component).replicas -}}
{{- $zones := .root.Values.cluster.zones -}}
affinity:
  {{- if $zones }}
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - key: topology.kubernetes.io/zone
              operator: In
              values:
                {{- toYaml $zones | nindent 16 }}
  {{- end }}
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "kp.selector" . | nindent 12 }}
{{- if $zones }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    minDomains: {{ min (len $zones) $replicas }}
    labelSelector:
      matchLabels:
        {{- include "kp.selector" . | nindent 8 }}
{{- end }}
{{- end }}

{{/* An env var from the downward API, with the apiVersion the API server would default written out. */}}
{{- define "kp.fieldEnv" -}}
- name: {{ .name }}
  valueFrom:
    fieldRef:
      apiVersion: v1
      fieldPath: {{ .path | quote }}
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

{{/* A claim template with the fields the API server defaults (apiVersion, kind, volumeMode, status). */}}
{{- define "kp.volumeClaim" -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: {{ .name }}
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .root.Values.cluster.storageClass }}
    storageClassName: {{ . }}
    {{- end }}
    volumeMode: Filesystem
    resources:
      requests:
        storage: {{ .size }}
  status:
    phase: Pending
{{- end }}

{{/* requests and limits, each with the component's ephemeral-storage. */}}
{{- define "kp.resources" -}}
{{- $values := index .root.Values .component -}}
{{- $resources := dict -}}
{{- range $part, $amounts := $values.resources -}}
{{- $_ := set $resources $part (merge (dict "ephemeral-storage" $values.ephemeralStorage) $amounts) -}}
{{- end -}}
{{ toYaml $resources }}
{{- end }}

{{/* A JVM unified GC log rotating within the component's logs emptyDir. */}}
{{- define "kp.gcLog" -}}
{{- $logs := (index .root.Values .component).logs -}}
{{- printf "-Xlog:gc*:file=%s:time,tags:filecount=%d,filesize=%s" .file (int $logs.gcFileCount) $logs.gcFileSize -}}
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
{{- $_ := set $config "log.dirs" "/var/lib/kafka/data/logs" -}}
{{- $_ := set $config "zookeeper.connect" (include "kp.zookeeper.connect" .) -}}
{{- include "kp.properties" (dict "header" .Values.header "values" $config) -}}
{{- end }}

{{- define "kp.zookeeper.zooCfg" -}}
{{- $zk := .Values.zookeeper -}}
{{- $config := deepCopy $zk.config -}}
{{- $_ := set $config "dataDir" "/data" -}}
{{- $_ := set $config "dataLogDir" "/datalog" -}}
{{- $_ := set $config "clientPort" $zk.ports.client -}}
{{- range $ordinal := until (int $zk.replicas) -}}
{{- $host := include "kp.zookeeper.host" (dict "root" $ "ordinal" $ordinal) -}}
{{- $_ := set $config (printf "server.%d" (add1 $ordinal)) (printf "%s:%d:%d" $host (int $zk.ports.quorum) (int $zk.ports.election)) -}}
{{- end -}}
{{- include "kp.properties" (dict "header" .Values.header "values" $config) -}}
{{- end }}

{{/* A ConfigMap's name: the base name plus 10 hex digits of sha256 over its files, each as
     "<len(name)>:<name><len(text)>:<text>" in name order (generator/render.py), so a change is a new
     ConfigMap that reaches pods only through a roll of the template naming it. */}}
{{- define "kp.configName" -}}
{{- $joined := "" -}}
{{- range $name, $text := .files -}}
{{- $joined = printf "%s%d:%s%d:%s" $joined (len $name) $name (len $text) $text -}}
{{- end -}}
{{ .base }}-{{ sha256sum $joined | trunc 10 }}
{{- end }}

{{- define "kp.kafka.files" -}}
kafka-ready.sh: {{ include "kp.kafka.readyScript" . | quote }}
log4j.properties: {{ include "kp.kafka.log4j" . | quote }}
server.properties: {{ include "kp.kafka.serverProperties" . | quote }}
start-kafka.sh: {{ include "kp.kafka.startScript" . | quote }}
{{- end }}

{{- define "kp.zookeeper.files" -}}
start-zookeeper.sh: {{ include "kp.zookeeper.startScript" . | quote }}
zoo.cfg: {{ include "kp.zookeeper.zooCfg" . | quote }}
zookeeper-probe.sh: {{ include "kp.zookeeper.probeScript" . | quote }}
{{- end }}

{{/* A component's immutable ConfigMap, named by its content. */}}
{{- define "kp.configMap" -}}
apiVersion: v1
kind: ConfigMap
{{ include "kp.metadata" (merge (dict "name" .configName) .) }}
immutable: true
data:
  {{- toYaml .files | nindent 2 }}
{{- end }}
