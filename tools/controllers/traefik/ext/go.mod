// A stand-in for github.com/traefik/traefik/dynamic/ext, which Traefik v3.7 keeps in a nested
// directory with a go.mod of its own: the v3 module zip leaves it out and the Go module proxy does
// not serve it. Traefik's open-source build uses its two types only as empty extension points
// embedded in dynamic.HTTPConfiguration and dynamic.Router (copied by value in the generated
// DeepCopy), so empty structs give the same behaviour.
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
