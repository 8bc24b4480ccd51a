package purego

import "gatehouse/core/compress"

// factory is stateless; every stream owns its encoder.
type factory struct{}

var _ compress.Factory = factory{}

// Factory returns the pure-Go compress.Factory. Name() is "go".
func Factory() compress.Factory { return factory{} }

func (factory) Name() string { return "go" }

func (factory) NewZlibStream(o compress.ZlibOptions) (compress.Compressor, error) {
	return NewZlibStream(o)
}

func (factory) NewZstdStream(o compress.ZstdOptions) (compress.Compressor, error) {
	return NewZstdStream(o)
}

func (factory) NewPayloadZlib(o compress.ZlibOptions) (compress.Compressor, error) {
	return NewPayloadZlib(o)
}
