//go:build !race

package purego

const raceEnabled = false
