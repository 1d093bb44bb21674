//go:build tools

// Package tools pins KWOK (simulated nodes and pods, no kubelet) for the control-plane tests.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
