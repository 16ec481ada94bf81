//go:build tools

// Package tools pins the two Flux controllers built from this module.
package tools

import (
	_ "github.com/fluxcd/helm-controller"
	_ "github.com/fluxcd/source-controller"
)
