//go:build cgo

package bindings

import "gatehouse/core/compress"

var _ compress.CompactFactory = factory{}

func (factory) NewCompactZlibPool(o compress.ZlibOptions, c compress.CompactOptions) (compress.CompactPool, error) {
	return NewCompactZlibPool(o, c)
}

func (factory) NewCompactZstdPool(o compress.ZstdOptions, c compress.CompactOptions) (compress.CompactPool, error) {
	return NewCompactZstdPool(o, c)
}
