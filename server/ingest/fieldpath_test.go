package ingest

import (
	"errors"
	"testing"
)

// TestDecodeNamesTheField: a value that does not decode is reported at its
// full path, array indices included, whether encoding/json rejected its
// type or a snowflake/permissions UnmarshalJSON rejected its text.
func TestDecodeNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		body  string
		v     any
		field string
	}{
		{`{"owner_id":"x"}`, &guildBody{}, "owner_id"},
		{`{"afk_timeout":"long"}`, &guildBody{}, "afk_timeout"},
		{`{"roles":[{"id":"1"},{"id":"2","permissions":"all"}]}`, &guildBody{}, "roles[1].permissions"},
		{`{"channels":[{"id":"1","permission_overwrites":[{"id":"me"}]}]}`, &guildBody{}, "channels[0].permission_overwrites[0].id"},
		{`{"user":{"id":"1","username":7}}`, &memberBody{}, "user.username"},
		{`{"ROLES":["1","x"]}`, &memberBody{}, "roles[1]"},
		{`["not","an","object"]`, &memberBody{}, "body"},
		{`{"author":{"id":-1}}`, &message{}, "author.id"},
	} {
		err := decodeJSON([]byte(tc.body), tc.v)
		var e *Error
		if !errors.As(err, &e) || e.Field != tc.field || e.Status != 400 {
			t.Errorf("%s: %v, want field %q", tc.body, err, tc.field)
		}
	}
}

// FuzzDecodeJSON: any body decodes or yields a 400 naming a field; never
// a panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"roles":[{"id":"1"}]}`, `{"channels":[{"permission_overwrites":[{"id":"x"}]}]}`, `[1]`, `{"user":{"id":"a"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&guildBody{}, &memberBody{}, &message{}} {
			err := decodeJSON(b, v)
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Field == "" || e.Status != 400) {
				t.Fatalf("%q: %v", b, err)
			}
		}
	})
}
