package corpus

import (
	"strconv"
	"time"
)

// discordEpoch is 2015-01-01T00:00:00Z in milliseconds.
const discordEpoch = 1420070400000

// start is when the generated session begins: mid-2025, a weekday evening
// in Europe, when community servers are busiest.
var start = time.Date(2025, 6, 12, 19, 0, 0, 0, time.UTC).UnixMilli()

// snowflake makes an id for something created at ms. inc keeps ids made in
// the same millisecond distinct, as Discord's per-process counter does.
func snowflake(ms int64, worker, inc uint64) string {
	v := uint64(ms-discordEpoch)<<22 | (worker&31)<<17 | (worker>>5&31)<<12 | inc&0xfff
	return strconv.FormatUint(v, 10)
}

// isoTime formats ms the way Discord does: microseconds and +00:00.
func isoTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000000+00:00")
}
