//go:build cgo

package bindings

// #include "gatehouse.h"
//
// /* No member-list entry keeps a Go pointer past the call or calls back
//    into Go. */
// #cgo noescape gh_memberlist_new
// #cgo nocallback gh_memberlist_new
// #cgo noescape gh_memberlist_apply
// #cgo nocallback gh_memberlist_apply
// #cgo noescape gh_memberlist_len
// #cgo nocallback gh_memberlist_len
// #cgo noescape gh_memberlist_rows
// #cgo nocallback gh_memberlist_rows
// #cgo noescape gh_memberlist_index_of
// #cgo nocallback gh_memberlist_index_of
// #cgo noescape gh_memberlist_groups
// #cgo nocallback gh_memberlist_groups
// #cgo noescape gh_memberlist_memory
// #cgo nocallback gh_memberlist_memory
// #cgo noescape gh_memberlist_free
// #cgo nocallback gh_memberlist_free
import "C"

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"gatehouse/core/memberlist"
)

// MemberList is the Rust core's member list behind a GhMemberList handle.
// Apply encodes a batch into one buffer, crosses into Rust once per
// MaxChangesPerCall changes and decodes the row changes from a second
// buffer; both buffers are kept, so a steady stream of batches allocates
// nothing on the Go side.
//
// Concurrency: not safe for concurrent use; it belongs to the guild's
// actor goroutine.
type MemberList struct {
	h    *C.GhMemberList
	in   []byte
	out  []byte
	rows []byte
}

var _ memberlist.List = (*MemberList)(nil)

// MaxChangesPerCall caps the changes in one crossing so a call holds the
// thread for about 20 µs at most; a longer batch takes several calls.
const MaxChangesPerCall = 64

const (
	rowChangeBytes = C.GH_ML_ROW_CHANGE_BYTES
	rowBytes       = C.GH_ML_ROW_BYTES
)

// liveMemberLists counts handles made and not yet freed.
var liveMemberLists atomic.Int64

// NewMemberList makes an empty Rust member list sized for about `members`
// members. It is a memberlist.New.
func NewMemberList(members int) (memberlist.List, error) {
	if members < 0 {
		members = 0
	}
	var h *C.GhMemberList
	if err := errOf(C.gh_memberlist_new(C.size_t(members), &h)); err != nil {
		return nil, fmt.Errorf("bindings: member list: %w", err)
	}
	liveMemberLists.Add(1)
	m := &MemberList{h: h}
	runtime.SetFinalizer(m, (*MemberList).free)
	return m, nil
}

// encode appends the ABI records of changes to dst (formats in gatehouse.h).
func encode(dst []byte, changes []memberlist.Change) []byte {
	le := binary.LittleEndian
	for i := range changes {
		c := &changes[i]
		switch c.Kind {
		case memberlist.Upsert:
			dst = append(dst, C.GH_ML_UPSERT)
			dst = le.AppendUint64(dst, c.User)
			dst = le.AppendUint64(dst, uint64(c.Group))
			dst = le.AppendUint16(dst, uint16(len(c.Name)))
			dst = append(dst, c.Name...)
		case memberlist.Remove:
			dst = append(dst, C.GH_ML_REMOVE)
			dst = le.AppendUint64(dst, c.User)
		case memberlist.SetOrder:
			dst = append(dst, C.GH_ML_SET_ORDER)
			dst = le.AppendUint16(dst, uint16(len(c.Order)))
			for _, g := range c.Order {
				dst = le.AppendUint64(dst, uint64(g))
			}
		}
	}
	return dst
}

func decodeRow(kind byte, id uint64, count uint32) memberlist.Row {
	if kind == C.GH_ML_GROUP {
		return memberlist.Row{Kind: memberlist.RowGroup, ID: id, Count: count}
	}
	return memberlist.Row{Kind: memberlist.RowMember, ID: id}
}

func (m *MemberList) Apply(dst []memberlist.RowChange, changes []memberlist.Change) ([]memberlist.RowChange, bool, error) {
	if m.h == nil {
		return dst, false, memberlist.ErrClosed
	}
	// Validating the whole batch here first is what keeps a batch split
	// over several calls all-or-nothing: Rust checks the same rules.
	if err := memberlist.ValidateAll(changes); err != nil {
		return dst, false, err
	}
	start, resync := len(dst), false
	le := binary.LittleEndian
	for off := 0; off < len(changes); off += MaxChangesPerCall {
		chunk := changes[off:min(off+MaxChangesPerCall, len(changes))]
		m.in = encode(m.in[:0], chunk)
		m.out = slices.Grow(m.out[:0], memberlist.WorstRows(chunk)*rowChangeBytes)[:0]
		out := m.out[:cap(m.out)]
		var n, consumed C.size_t
		var flags C.uint32_t
		st := C.gh_memberlist_apply(m.h, bytePtr(m.in), C.size_t(len(m.in)),
			bytePtr(out), C.size_t(len(out)), &n, &consumed, &flags)
		runtime.KeepAlive(m)
		if Status(st) == StatusTooLarge {
			// Only a batch over MaxChangesPerCall can meet this after an
			// earlier call of it was applied, and only at 16.7M members.
			return dst[:start], false, memberlist.ErrFull
		}
		if err := errOf(st); err != nil {
			return dst[:start], false, fmt.Errorf("bindings: member list apply: %w", err)
		}
		if int(consumed) != len(m.in) {
			return dst[:start], false, fmt.Errorf("bindings: member list applied %d of %d bytes with room for the worst case", consumed, len(m.in))
		}
		if flags&C.GH_ML_RESYNC != 0 {
			resync = true
		}
		if resync {
			continue
		}
		for rec := out[:n]; len(rec) >= rowChangeBytes; rec = rec[rowChangeBytes:] {
			c := memberlist.RowChange{Op: memberlist.Op(rec[0]), Index: int(le.Uint32(rec[4:]))}
			if c.Op != memberlist.OpDelete {
				c.Row = decodeRow(rec[1], le.Uint64(rec[8:]), le.Uint32(rec[16:]))
			}
			dst = append(dst, c)
		}
	}
	if resync {
		dst = dst[:start]
	}
	return dst, resync, nil
}

func (m *MemberList) Len() int {
	rows, _ := m.lens()
	return rows
}

func (m *MemberList) Members() int {
	_, members := m.lens()
	return members
}

// lens is the number of rows and of members known.
func (m *MemberList) lens() (rows, members int) {
	if m.h == nil {
		return 0, 0
	}
	var r, n C.size_t
	st := C.gh_memberlist_len(m.h, &r, &n)
	runtime.KeepAlive(m)
	if errOf(st) != nil {
		return 0, 0
	}
	return int(r), int(n)
}

func (m *MemberList) Rows(dst []memberlist.Row, start, end int) []memberlist.Row {
	if m.h == nil {
		return dst
	}
	start, end = max(start, 0), min(end, m.Len()-1)
	if start > end {
		return dst
	}
	count := end - start + 1
	m.rows = slices.Grow(m.rows[:0], count*rowBytes)[:count*rowBytes]
	var n C.size_t
	st := C.gh_memberlist_rows(m.h, C.size_t(start), C.size_t(count), bytePtr(m.rows), C.size_t(len(m.rows)), &n)
	runtime.KeepAlive(m)
	if errOf(st) != nil {
		return dst
	}
	le := binary.LittleEndian
	for rec := m.rows[:n]; len(rec) >= rowBytes; rec = rec[rowBytes:] {
		dst = append(dst, decodeRow(rec[0], le.Uint64(rec[8:]), le.Uint32(rec[4:])))
	}
	return dst
}

func (m *MemberList) IndexOf(user uint64) (int, bool) {
	if m.h == nil {
		return 0, false
	}
	var i C.int64_t
	st := C.gh_memberlist_index_of(m.h, C.uint64_t(user), &i)
	runtime.KeepAlive(m)
	if errOf(st) != nil || i < 0 {
		return 0, false
	}
	return int(i), true
}

func (m *MemberList) Groups(dst []memberlist.GroupCount) []memberlist.GroupCount {
	if m.h == nil {
		return dst
	}
	for range 2 {
		m.rows = m.rows[:cap(m.rows)]
		var n C.size_t
		st := C.gh_memberlist_groups(m.h, bytePtr(m.rows), C.size_t(len(m.rows)), &n)
		runtime.KeepAlive(m)
		if Status(st) == StatusBufferTooSmall {
			m.rows = slices.Grow(m.rows[:0], int(n))
			continue
		}
		if errOf(st) != nil {
			return dst
		}
		le := binary.LittleEndian
		for rec := m.rows[:n]; len(rec) >= rowBytes; rec = rec[rowBytes:] {
			dst = append(dst, memberlist.GroupCount{ID: memberlist.GroupID(le.Uint64(rec[8:])), Count: int(le.Uint32(rec[4:]))})
		}
		return dst
	}
	return dst
}

// Memory reports every byte the Rust list holds and how many of them are
// name bytes (each name past its eighth byte; the first eight are in the
// tree keys and count as structure). 0, 0 after Close.
func (m *MemberList) Memory() (heap, names int) {
	if m.h == nil {
		return 0, 0
	}
	var h, n C.size_t
	st := C.gh_memberlist_memory(m.h, &h, &n)
	runtime.KeepAlive(m)
	if errOf(st) != nil {
		return 0, 0
	}
	return int(h), int(n)
}

// Close frees the list. Calling it again does nothing.
func (m *MemberList) Close() error {
	runtime.SetFinalizer(m, nil)
	m.free()
	return nil
}

// free releases the handle once; it is also the finalizer.
func (m *MemberList) free() {
	if m.h == nil {
		return
	}
	C.gh_memberlist_free(m.h)
	m.h = nil
	m.in, m.out, m.rows = nil, nil, nil
	liveMemberLists.Add(-1)
}
