//go:build race

package hub

// raceEnabled shortens the property test under the race detector, which
// makes its JSON work about ten times slower.
const raceEnabled = true
