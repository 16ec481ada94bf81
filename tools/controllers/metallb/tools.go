//go:build tools

// Package tools pins the command built from this module.
package tools

import _ "go.universe.tf/metallb/controller"
