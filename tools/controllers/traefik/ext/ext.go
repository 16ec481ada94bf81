// Package ext holds the extension points Traefik's dynamic configuration embeds inline.
// The open-source Traefik adds no fields to them, so they are empty here too.
package ext

// HTTP is embedded inline in dynamic.HTTPConfiguration.
type HTTP struct{}

// Router is embedded inline in dynamic.Router.
type Router struct{}
