package loadgen

import (
	"fmt"
	"os"
)

// quietLogger is the gnet client's logger: warnings and errors go to
// stderr, start-up chatter does not (it would interleave with the progress
// lines a driving process parses).
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: gnet: "+format+"\n", args...)
}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: gnet: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: gnet: "+format+"\n", args...)
	os.Exit(1)
}
