package corpus

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// The pools below give names and text in the scripts a large international
// community server sees. They are short on purpose: variety comes from
// combining them, repetition (which real traffic has) from reusing them.

var givenNames = []string{
	"Ana", "Lucas", "Mia", "Noah", "Emma", "Liam", "Sofia", "Mateo", "Chloé", "Jonas",
	"Zoë", "Björn", "Łukasz", "Søren", "Inès", "João", "Ayşe", "Nguyễn", "Đức", "Kai",
	"Дмитрий", "Анастасия", "Олег", "Катя", "Іван", "Σοφία", "Νίκος", "ゆうき", "さくら", "たける",
	"ハルト", "美咲", "翔太", "김민준", "이서연", "박지호", "王伟", "李娜", "张敏", "محمد",
	"سارة", "علي", "יעל", "अर्जुन", "प्रिया", "สมชาย", "Ngozi", "Kwame", "Aroha", "Tupac",
}

var nameDecor = []string{"🌸", "✨", "🐸", "🔥", "💀", "🌙", "⭐", "🎮", "🦊", "🍓", "☕", "🐱", "ツ", "♡", "⚡", "🖤"}

var handleParts = []string{
	"dark", "frog", "kira", "moon", "pixel", "neko", "void", "star", "lofi", "byte",
	"echo", "zero", "nova", "ghost", "berry", "toast", "orbit", "fern", "rune", "mochi",
	"vex", "sky", "ash", "juno", "tofu", "rex", "lux", "owl", "sable", "quill",
}

// words are sentence material, several languages mixed as in a global
// server's #general.
var words = []string{
	"the", "a", "is", "it", "that", "this", "and", "you", "to", "of", "for", "on", "with", "just",
	"lol", "lmao", "gg", "wp", "ngl", "tbh", "fr", "imo", "idk", "brb", "omg", "pls", "ty", "np",
	"game", "patch", "server", "raid", "build", "update", "stream", "tonight", "tomorrow", "ranked",
	"anyone", "wants", "play", "join", "voice", "new", "map", "boss", "drop", "nerf", "buff",
	"really", "actually", "probably", "same", "wait", "what", "why", "how", "when", "where",
	"hola", "gracias", "jaja", "bueno", "vamos", "obrigado", "kkkk", "beleza", "danke", "genau",
	"merci", "mdr", "oui", "привет", "спасибо", "да", "нет", "ладно", "круто", "ахах",
	"こんにちは", "ありがとう", "草", "やばい", "すごい", "안녕", "ㅋㅋㅋ", "감사합니다", "대박", "你好",
	"谢谢", "哈哈哈", "好的", "مرحبا", "شكرا", "يلا", "😂", "💀", "🔥", "👀", "😭", "🙏", "❤️", "👍",
	"🎉", "🤔", "😅", "🥲", "✨", "🫠", "💯", "🤝",
}

var customEmoji = []string{
	"pepe_hands", "kekw", "catjam", "poggers", "sadge", "monkaS", "blobwave", "this_is_fine",
	"copium", "peepoHappy", "ez", "hypers",
}

var games = []struct{ name, appID string }{
	{"Minecraft", "356875570916753438"}, {"League of Legends", "401518684763586560"},
	{"VALORANT", "700136079562375258"}, {"Counter-Strike 2", "1158877933042143272"},
	{"Genshin Impact", "762434991303950386"}, {"Fortnite", "432980957394370572"},
	{"Elden Ring", "946609449680908348"}, {"Baldur's Gate 3", "1137471003497676800"},
	{"Overwatch 2", "356875221078245376"}, {"Stardew Valley", "356943499456937984"},
	{"Visual Studio Code", "383226320970055681"}, {"osu!", "367827983903490050"},
}

var artists = []string{
	"Fred again..", "Kendrick Lamar", "Aimer", "YOASOBI", "Rosalía", "Daft Punk", "NewJeans",
	"Billie Eilish", "Bad Bunny", "Radiohead", "Ado", "Stromae", "Tame Impala", "Kaytranada",
}

var tracks = []string{
	"Delilah (pull me out of this)", "Not Like Us", "残響散歌", "アイドル", "DESPECHÁ", "Digital Love",
	"Super Shy", "BIRDS OF A FEATHER", "Tití Me Preguntó", "Weird Fishes", "唱", "Alors on danse",
	"The Less I Know The Better", "10%",
}

var customStatuses = []string{
	"grinding ranked", "do not disturb pls", "on break ☕", "learning rust 🦀", "exam week 😭",
	"streaming at 8pm", "眠い", "работаю", "AFK", "touch grass", "🎧 lofi", "back tomorrow",
}

var domains = []string{
	"youtube.com", "x.com", "github.com", "twitch.tv", "reddit.com", "store.steampowered.com",
	"open.spotify.com", "tenor.com", "en.wikipedia.org", "imgur.com",
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// skewed returns an index in [0,n) where low indices are far more likely,
// like the few regulars who write most of a server's messages.
func skewed(r *rand.Rand, n int) int {
	f := r.Float64()
	return int(float64(n) * f * f * f)
}

// chatty is skewed much harder: in a big server a few dozen regulars write
// most of the messages.
func chatty(r *rand.Rand, n int) int {
	f := r.Float64()
	f *= f * f
	return int(float64(n) * f * f)
}

// username is a new-style Discord handle: lowercase, digits, _ and .
func username(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(pick(r, handleParts))
	switch r.IntN(4) {
	case 0:
		b.WriteByte('_')
		b.WriteString(pick(r, handleParts))
	case 1:
		b.WriteByte('.')
		b.WriteString(pick(r, handleParts))
	}
	if r.IntN(2) == 0 {
		b.WriteString(strconv.Itoa(r.IntN(10000)))
	}
	return b.String()
}

// displayName is a global name or nick: a name in some script, maybe
// decorated with emoji.
func displayName(r *rand.Rand) string {
	n := pick(r, givenNames)
	switch r.IntN(6) {
	case 0:
		d := pick(r, nameDecor)
		return d + " " + n + " " + d
	case 1:
		return n + " " + pick(r, nameDecor)
	case 2:
		return n + " | " + pick(r, handleParts)
	}
	return n
}

// hexString is n random lowercase hex digits (avatar hashes, session ids).
func hexString(r *rand.Rand, n int) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexd[r.IntN(16)]
	}
	return string(b)
}

// base62 is n random base62 characters (Spotify ids).
func base62(r *rand.Rand, n int) string {
	const a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[r.IntN(len(a))]
	}
	return string(b)
}
