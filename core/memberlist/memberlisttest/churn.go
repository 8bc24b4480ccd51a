package memberlisttest

import (
	"slices"

	"gatehouse/core/memberlist"
)

// ChurnGen makes random batches for Churn and Same. It keeps the model so
// its presence flips and role moves follow each member's real state.
type ChurnGen struct {
	Model *Model
	rng   *Rng
	users int
	begun bool
	roles []memberlist.GroupID
	order []memberlist.GroupID
}

// NewChurn starts a generator over users [0, users).
func NewChurn(seed uint64, users int) *ChurnGen {
	g := &ChurnGen{Model: NewModel(), rng: NewRng(seed), users: users,
		roles: []memberlist.GroupID{30, 20, 10, 40}}
	g.order = append(slices.Clone(g.roles[:3]), online, offline)
	return g
}

// name is a sort name from a small alphabet, so many names share their
// first eight bytes and ties are exercised.
func (g *ChurnGen) name() []byte {
	n := int(g.rng.Below(14))
	b := make([]byte, 0, n+8)
	if g.rng.Below(3) == 0 {
		b = append(b[:0], "username"...)
	}
	for len(b) < n {
		b = append(b, "aab\xc3z"[g.rng.Below(5)])
	}
	return b
}

// Batch is 1–8 changes: joins while the list is young, then presence
// flips, renames, role moves, leaves and now and then a reorder or a
// group leaving or joining the order.
func (g *ChurnGen) Batch() []memberlist.Change {
	n := 1 + int(g.rng.Below(8))
	batch := make([]memberlist.Change, 0, n+1)
	if !g.begun {
		g.begun = true
		batch = append(batch, memberlist.Change{Kind: memberlist.SetOrder, Order: slices.Clone(g.order)})
	}
	grow := len(g.Model.Members) < g.users/2
	for range n {
		u := g.rng.Below(uint64(g.users))
		m, known := g.Model.Members[u]
		r := g.rng.Below(100)
		switch {
		case !known || (grow && r < 70):
			grp := []memberlist.GroupID{online, offline, offline, g.roles[g.rng.Below(4)]}[g.rng.Below(4)]
			batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: u, Group: grp, Name: g.name()})
		case r < 55:
			to := offline
			if m.Group == offline {
				to = append(g.roles, online)[g.rng.Below(5)]
			}
			batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: u, Group: to, Name: []byte(m.Name)})
		case r < 80:
			batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: u, Group: m.Group, Name: g.name()})
		case r < 98:
			batch = append(batch, memberlist.Change{Kind: memberlist.Remove, User: u})
		default:
			batch = append(batch, memberlist.Change{Kind: memberlist.SetOrder, Order: g.reorder()})
		}
	}
	return batch
}

// reorder swaps two roles or moves the fourth role in or out of the order.
func (g *ChurnGen) reorder() []memberlist.GroupID {
	if g.rng.Below(3) == 0 {
		if i := slices.Index(g.order, g.roles[3]); i >= 0 {
			g.order = slices.Delete(g.order, i, i+1)
		} else {
			g.order = slices.Insert(g.order, 0, g.roles[3])
		}
	} else {
		k := len(g.order) - 2
		i, j := g.rng.Below(uint64(k)), g.rng.Below(uint64(k))
		g.order[i], g.order[j] = g.order[j], g.order[i]
	}
	return slices.Clone(g.order)
}
