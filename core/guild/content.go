package guild

import (
	"encoding/json"
	"errors"
	"strings"

	"gatehouse/core/protocol"
)

// MessageMeta is what the content rule needs from a message.
type MessageMeta struct {
	ID        Snowflake
	ChannelID Snowflake
	AuthorID  Snowflake
	Mentions  []Snowflake // users mentioned (the message's mentions array)
}

type messageMetaIn struct {
	ID        Snowflake `json:"id"`
	ChannelID Snowflake `json:"channel_id"`
	Author    *struct {
		ID Snowflake `json:"id"`
	} `json:"author"`
	Mentions []struct {
		ID Snowflake `json:"id"`
	} `json:"mentions"`
}

// ParseMessageMeta reads the id, channel, author and mentioned users of a
// message object.
func ParseMessageMeta(d []byte) (MessageMeta, error) {
	var in messageMetaIn
	if err := protocol.Unmarshal(d, &in); err != nil {
		return MessageMeta{}, err
	}
	m := MessageMeta{ID: in.ID, ChannelID: in.ChannelID}
	if in.Author != nil {
		m.AuthorID = in.Author.ID
	}
	for _, u := range in.Mentions {
		m.Mentions = append(m.Mentions, u.ID)
	}
	return m, nil
}

// MessageContentVisible reports whether uid gets a message's content
// fields: with MESSAGE_CONTENT, as its author, or when mentioned by user
// (Discord's exceptions; role and @everyone mentions do not count).
func MessageContentVisible(uid Snowflake, intents uint64, m *MessageMeta) bool {
	if intents&protocol.IntentMessageContent != 0 || uid == m.AuthorID {
		return true
	}
	for _, id := range m.Mentions {
		if id == uid {
			return true
		}
	}
	return false
}

// ErrNotObject is returned by BlankContent for anything but a JSON object.
var ErrNotObject = errors.New("guild: message is not a JSON object")

var jsonEmptyArray = json.RawMessage(`[]`)

// BlankContent returns the message with what MESSAGE_CONTENT guards
// emptied: content "", embeds, attachments and components [], poll
// removed; the same inside referenced_message and each of
// message_snapshots' messages. Keys come out sorted; every other field is
// kept byte for byte. Keys are matched case-insensitively, as Go's
// encoding/json (and so discordgo) matches them: a "Content" key would
// otherwise reach such a client as the content.
func BlankContent(d []byte) ([]byte, error) {
	m, err := blankObject(d)
	if err != nil {
		return nil, err
	}
	return protocol.Marshal(m)
}

// guardedKeys are blanked to their value; "" means removed.
var guardedKeys = []struct{ name, blank string }{
	{"content", `""`}, {"embeds", `[]`}, {"attachments", `[]`}, {"components", `[]`}, {"poll", ""},
}

func blankObject(d []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := protocol.Unmarshal(d, &m); err != nil || m == nil {
		return nil, ErrNotObject
	}
	for k, v := range m {
		switch {
		case guardedKey(k):
			delete(m, k)
		case strings.EqualFold(k, "referenced_message") && isObject(v):
			inner, err := blankObject(v)
			if err != nil {
				return nil, err
			}
			if m[k], err = protocol.Marshal(inner); err != nil {
				return nil, err
			}
		case strings.EqualFold(k, "message_snapshots") && isArray(v):
			b, err := blankSnapshots(v)
			if err != nil {
				return nil, err
			}
			m[k] = b
		}
	}
	for _, g := range guardedKeys {
		if g.blank != "" {
			m[g.name] = json.RawMessage(g.blank)
		}
	}
	return m, nil
}

func guardedKey(k string) bool {
	for _, g := range guardedKeys {
		if strings.EqualFold(k, g.name) {
			return true
		}
	}
	return false
}

func blankSnapshots(v json.RawMessage) (json.RawMessage, error) {
	var list []json.RawMessage
	if err := protocol.Unmarshal(v, &list); err != nil {
		return nil, ErrNotObject
	}
	for i, item := range list {
		if !isObject(item) {
			continue
		}
		var snap map[string]json.RawMessage
		if err := protocol.Unmarshal(item, &snap); err != nil {
			return nil, ErrNotObject
		}
		for k, msg := range snap {
			if strings.EqualFold(k, "message") && isObject(msg) {
				inner, err := blankObject(msg)
				if err != nil {
					return nil, err
				}
				if snap[k], err = protocol.Marshal(inner); err != nil {
					return nil, err
				}
			}
		}
		b, err := protocol.Marshal(snap)
		if err != nil {
			return nil, err
		}
		list[i] = b
	}
	return protocol.Marshal(list)
}

func isArray(b json.RawMessage) bool { return firstByte(b) == '[' }

func isObject(b json.RawMessage) bool { return firstByte(b) == '{' }

func firstByte(b json.RawMessage) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}
