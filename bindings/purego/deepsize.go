package purego

import (
	"reflect"
	"slices"
)

// deepSize reports the bytes of memory reachable from root: every struct,
// array and slice backing store the encoder holds, counted once even when
// several slices share it. It is how StateBytes stays honest as klauspost's
// internals change: it measures what the encoder really keeps instead of
// trusting a table of figures. It reads unexported fields through reflect
// without modifying them.
//
// Not counted: strings and func values (constants and code), and the
// contents of channel buffers (the streams here have none). Large allocations
// are rounded up to Go's 8 KiB page as the runtime does; small ones are not
// rounded to their size class, a few percent at most.
func deepSize(root any) int {
	w := sizeWalker{ptrs: map[typedAddr]bool{}, hasPtr: map[reflect.Type]bool{}}
	v := reflect.ValueOf(root)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	w.visit(v)
	return w.total()
}

type span struct{ addr, size uintptr }

type typedAddr struct {
	addr uintptr
	t    reflect.Type
}

type sizeWalker struct {
	spans  []span
	loose  uintptr // boxed values with no address we can see
	ptrs   map[typedAddr]bool
	hasPtr map[reflect.Type]bool
}

// visit follows v, whose own bytes are already counted by its parent.
func (w *sizeWalker) visit(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		key := typedAddr{v.Pointer(), v.Type().Elem()}
		if w.ptrs[key] {
			return
		}
		w.ptrs[key] = true
		w.spans = append(w.spans, span{key.addr, key.t.Size()})
		w.visit(v.Elem())
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 {
			return
		}
		et := v.Type().Elem()
		key := typedAddr{v.Pointer(), v.Type()}
		if w.ptrs[key] {
			return
		}
		w.ptrs[key] = true
		w.spans = append(w.spans, span{key.addr, uintptr(v.Cap()) * et.Size()})
		if w.pointers(et) {
			for i := range v.Len() {
				w.visit(v.Index(i))
			}
		}
	case reflect.Array:
		if w.pointers(v.Type().Elem()) {
			for i := range v.Len() {
				w.visit(v.Index(i))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); w.pointers(f.Type()) {
				w.visit(f)
			}
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() != reflect.Pointer {
			w.loose += e.Type().Size()
		}
		w.visit(e)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		kt, vt := v.Type().Key(), v.Type().Elem()
		w.loose += uintptr(v.Len()) * (kt.Size() + vt.Size())
		if w.pointers(kt) || w.pointers(vt) {
			for it := v.MapRange(); it.Next(); {
				w.visit(it.Key())
				w.visit(it.Value())
			}
		}
	case reflect.Chan:
		if v.IsNil() {
			return
		}
		const hchanSize = 96
		w.spans = append(w.spans, span{v.Pointer(), hchanSize + uintptr(v.Cap())*v.Type().Elem().Size()})
	}
}

// pointers reports whether a value of type t can reach other memory.
func (w *sizeWalker) pointers(t reflect.Type) bool {
	if h, ok := w.hasPtr[t]; ok {
		return h
	}
	w.hasPtr[t] = false // breaks cycles; corrected below
	h := false
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Interface, reflect.Map, reflect.Chan:
		h = true
	case reflect.Array:
		h = t.Len() > 0 && w.pointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if w.pointers(t.Field(i).Type) {
				h = true
				break
			}
		}
	}
	w.hasPtr[t] = h
	return h
}

// total merges overlapping spans (sub-slices, pointers into structs) and
// sums them, rounding large objects up to whole pages.
func (w *sizeWalker) total() int {
	slices.SortFunc(w.spans, func(a, b span) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		}
		return 0
	})
	sum := w.loose
	var cur span
	for _, s := range w.spans {
		if s.size == 0 {
			continue
		}
		if cur.size != 0 && s.addr < cur.addr+cur.size {
			cur.size = max(cur.size, s.addr+s.size-cur.addr)
			continue
		}
		sum += roundAlloc(cur.size)
		cur = s
	}
	sum += roundAlloc(cur.size)
	return int(sum)
}

// roundAlloc rounds a large allocation up to Go's 8 KiB page.
func roundAlloc(n uintptr) uintptr {
	const large, page = 32 << 10, 8 << 10
	if n <= large {
		return n
	}
	return (n + page - 1) &^ (page - 1)
}
