//go:build tools

// Package tools pins the command built from this module.
package tools

import _ "github.com/elastic/cloud-on-k8s/v3/cmd"
