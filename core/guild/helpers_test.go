package guild

import (
	"strings"
	"testing"

	"gatehouse/core/protocol"
)

const (
	view  = protocol.PermViewChannel
	send  = protocol.PermSendMessages
	admin = protocol.PermAdministrator
)

func sf(n uint64) Snowflake { return Snowflake(n) }

func ptr[T any](v T) *T { return &v }

func role(id uint64, perms Permissions) Role {
	return Role{ID: sf(id), Name: "r" + sf(id).String(), Permissions: perms, Position: int(id % 100)}
}

func roleOW(id uint64, allow, deny Permissions) Overwrite {
	return Overwrite{ID: sf(id), Type: OverwriteRole, Allow: allow, Deny: deny}
}

func memberOW(id uint64, allow, deny Permissions) Overwrite {
	return Overwrite{ID: sf(id), Type: OverwriteMember, Allow: allow, Deny: deny}
}

func text(id uint64, ows ...Overwrite) Channel {
	return Channel{ID: sf(id), Type: ChannelText, Name: "c" + sf(id).String(), Position: int(id % 100),
		PermissionOverwrites: ows}
}

func member(uid uint64, roles ...uint64) Member {
	m := Member{UserID: sf(uid), JoinedAt: "2024-05-06T07:08:09.123456+00:00"}
	for _, r := range roles {
		m.Roles = append(m.Roles, sf(r))
	}
	return m
}

func newTestState(t testing.TB, gid, owner uint64, roles []Role, chans []Channel, members []Member) *State {
	t.Helper()
	g := Guild{ID: sf(gid), Name: "g", OwnerID: sf(owner), PreferredLocale: "en-US"}
	return NewState(g, roles, chans, members, 10)
}

func jsonOf(v any) ([]byte, error) { return protocol.Marshal(v) }

func contains2(s, sub string) bool { return strings.Contains(s, sub) }
