package main

import "strconv"

// name is a member's username, global name and nick ("" when unset).
type name struct{ username, global, nick string }

// mix is splitmix64 of seed, x and salt: a user's names and roles depend
// on its id alone, so every request stream can generate its share.
func mix(seed, x, salt uint64) uint64 {
	z := seed ^ x*0x9e3779b97f4a7c15 ^ salt*0xbf58476d1ce4e5b9
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

var (
	adjectives = []string{"quiet", "dark", "lucky", "silver", "happy", "wild", "cosmic", "tiny", "brave", "lazy",
		"crimson", "frozen", "golden", "hidden", "electric", "sleepy", "mystic", "salty", "shadow", "sunny",
		"neon", "rusty", "velvet", "stormy", "clever", "fuzzy", "ancient", "rapid", "lonely", "icy", "jolly", "pixel"}
	nouns = []string{"falcon", "wolf", "otter", "panda", "ninja", "pirate", "wizard", "dragon", "fox", "tiger",
		"cactus", "comet", "knight", "ghost", "raven", "koala", "mango", "noodle", "phoenix", "robot",
		"shark", "sparrow", "turtle", "viking", "waffle", "yeti", "badger", "lynx", "moose", "squid", "bean", "golem"}
	// firsts are display names; usernames use asciiFirsts, the same names
	// as Discord's usernames allow them.
	firsts = []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Leo", "Sofia", "Hugo",
		"Chloé", "Mateo", "Zoë", "Łukasz", "Søren", "Aiko", "Yuki", "Chen", "Priya", "Arjun",
		"Fatima", "Omar", "Inès", "Jonas", "Elif", "Kemal", "Anya", "Dmitri", "María", "José", "Nora", "Felix"}
	asciiFirsts = []string{"emma", "liam", "olivia", "noah", "ava", "lucas", "mia", "leo", "sofia", "hugo",
		"chloe", "mateo", "zoe", "lukasz", "soren", "aiko", "yuki", "chen", "priya", "arjun",
		"fatima", "omar", "ines", "jonas", "elif", "kemal", "anya", "dmitri", "maria", "jose", "nora", "felix"}
	nickTags = []string{"[EU] ", "[NA] ", "~", "xX", "", "", "", "", "Dr. ", "Sir ", "", "🌸 ", "★ ", "", "the ", "00"}
)

// makeName is id's names: usernames like quietfalcon42 or emma_1998, a
// display name for 70 % of users (mixed case, some non-ASCII), a nick for
// 8 %: the spread of sort keys a large community has.
func makeName(seed, id uint64) name {
	h := mix(seed, id, 1)
	adj, noun, fi := adjectives[h%32], nouns[h>>5%32], h>>10%32
	first, display := asciiFirsts[fi], firsts[fi]
	num := strconv.FormatUint(h>>15%10000, 10)
	var n name
	switch h >> 29 % 4 {
	case 0, 1:
		n.username = adj + noun + num
	case 2:
		n.username = first + "_" + num
	default:
		n.username = first + "." + noun
	}
	g := mix(seed, id, 2)
	if g%10 < 7 {
		switch g >> 8 % 3 {
		case 0:
			n.global = title(adj) + " " + title(noun)
		case 1:
			n.global = display
		default:
			n.global = display + " " + string(rune('A'+g>>16%26)) + "."
		}
	}
	if g>>24%100 < 8 {
		n.nick = nickTags[g>>32%16] + title(noun) + " " + num
	}
	return n
}

// title upper-cases an ASCII first letter (others are left as they are).
func title(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
