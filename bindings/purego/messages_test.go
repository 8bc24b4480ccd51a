package purego

import (
	"fmt"
	"math/rand/v2"
)

// testMessages returns n messages of random sizes and content: mostly
// JSON-like gateway text (which compresses), some random bytes (which does
// not), and the sizes where encoders change behaviour (empty, one byte, the
// 64 KiB deflate block, the 128 KiB zstd block, 1 MiB).
func testMessages(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	edges := []int{0, 1, 2, 4, 65535, 65536, 65537, 131071, 131072, 131073, 1 << 20}
	msgs := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		var size int
		switch p := r.IntN(1000); {
		case i < len(edges) && i*97 < n:
			size = edges[i]
		case p < 800:
			size = r.IntN(2048)
		case p < 980:
			size = 2048 + r.IntN(14<<10)
		case p < 997:
			size = 16<<10 + r.IntN(112<<10)
		default:
			size = 128<<10 + r.IntN(384<<10)
		}
		if r.IntN(10) == 0 {
			msgs = append(msgs, randomBytes(r, size))
		} else {
			msgs = append(msgs, jsonLike(r, size))
		}
	}
	// Put the edge sizes among the others instead of all at the start.
	r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	return msgs
}

func randomBytes(r *rand.Rand, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var testNames = []string{"Ana", "ユウキ", "Дмитрий", "Löwe", "Σοφία", "김민준", "🐸frog", "محمد", "zoë_42", "Bob"}

// jsonLike writes gateway-looking JSON up to exactly size bytes.
func jsonLike(r *rand.Rand, size int) []byte {
	b := make([]byte, 0, size+256)
	b = append(b, `{"t":"MESSAGE_CREATE","s":1,"op":0,"d":[`...)
	for len(b) < size {
		b = fmt.Appendf(b, `{"id":"%d","author":{"username":%q,"id":"%d"},"content":"%s %d"},`,
			1<<60+r.Int64N(1<<40), testNames[r.IntN(len(testNames))], 1<<58+r.Int64N(5000),
			testNames[r.IntN(len(testNames))], r.IntN(1000))
	}
	return b[:size]
}
