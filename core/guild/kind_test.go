package guild_test

import (
	"testing"

	"gatehouse/core/guild"
	"gatehouse/core/store"
)

// TestKindMatchesStore keeps guild.Kind castable from store.Kind.
func TestKindMatchesStore(t *testing.T) {
	pairs := []struct {
		g guild.Kind
		s store.Kind
	}{
		{guild.KindGuild, store.KindGuild},
		{guild.KindRole, store.KindRole},
		{guild.KindChannel, store.KindChannel},
		{guild.KindMember, store.KindMember},
	}
	for _, p := range pairs {
		if uint8(p.g) != uint8(p.s) {
			t.Errorf("guild kind %d != store kind %d", p.g, p.s)
		}
	}
}
