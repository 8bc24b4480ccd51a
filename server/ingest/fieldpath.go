package ingest

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// fieldPath finds where in body a value fails to decode into a value of
// type t, as a path such as "permission_overwrites[0].id" ("" when the
// body itself is at fault). encoding/json names the field only for
// *json.UnmarshalTypeError, and then without array indices and with the
// Go names of embedded structs; errors from UnmarshalJSON methods
// (snowflakes, permissions) come with no field at all. Only called on the
// error path, so it may decode the failing parts again.
func fieldPath(body []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return ""
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			return ""
		}
		return structFieldPath(obj, t)
	case reflect.Slice, reflect.Array:
		var elems []json.RawMessage
		if json.Unmarshal(body, &elems) != nil {
			return ""
		}
		for i, e := range elems {
			if json.Unmarshal(e, reflect.New(t.Elem()).Interface()) != nil {
				return joinPath("["+strconv.Itoa(i)+"]", fieldPath(e, t.Elem()))
			}
		}
	}
	return ""
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// structFieldPath checks obj's members against t's fields (embedded
// structs flattened, keys matched as encoding/json matches them).
func structFieldPath(obj map[string]json.RawMessage, t reflect.Type) string {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if p := structFieldPath(obj, f.Type); p != "" {
				return p
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		raw, ok := obj[name]
		if !ok {
			for k, v := range obj {
				if strings.EqualFold(k, name) {
					raw, ok = v, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		if json.Unmarshal(raw, reflect.New(f.Type).Interface()) != nil {
			return joinPath(name, fieldPath(raw, f.Type))
		}
	}
	return ""
}

func joinPath(head, tail string) string {
	if tail == "" || tail[0] == '[' {
		return head + tail
	}
	return head + "." + tail
}
