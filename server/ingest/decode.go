package ingest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"gatehouse/core/protocol"
)

// readBody reads at most MaxBody bytes; larger bodies are 413.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, invalid("body", "could not read body: "+err.Error())
	}
	if len(b) > MaxBody {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Field: "body", Message: "body over 1 MiB"}
	}
	return b, nil
}

// decodeBody reads and decodes a JSON object body into v, naming the field
// at fault when a value has the wrong type.
func decodeBody(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

func decodeJSON(b []byte, v any) error {
	if len(strings.TrimSpace(string(b))) == 0 {
		return invalid("body", "empty body; a JSON object is required")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return invalid("body", "invalid JSON: "+se.Error())
		}
		field := fieldPath(b, reflect.TypeOf(v))
		if field == "" {
			field = "body"
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(field, "wrong type: "+te.Value+" where "+jsonKind(te.Type)+" is required")
		}
		return invalid(field, err.Error())
	}
	return nil
}

// pathID parses a snowflake path parameter.
func pathID(r *http.Request, name string) (protocol.Snowflake, error) {
	v := r.PathValue(name)
	id, err := protocol.ParseSnowflake(v)
	if err != nil || id == 0 {
		return 0, invalid(name, "not a snowflake: "+v)
	}
	return id, nil
}

// matchID fills *id from the path or checks the body's id agrees with it.
func matchID(field string, id *protocol.Snowflake, path protocol.Snowflake) error {
	if *id != 0 && *id != path {
		return invalid(field, "does not match the id in the path")
	}
	*id = path
	return nil
}

// checkLen checks a string's length in characters.
func checkLen(field, s string, lo, hi int) error {
	n := len([]rune(s))
	if n < lo || n > hi {
		return invalid(field, "length must be between "+itoa(lo)+" and "+itoa(hi))
	}
	return nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// jsonKind names what a Go type looks like in JSON, for error messages
// (backends should not have to know gatehouse's Go types).
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}
