package server

import (
	"fmt"
	"log/slog"
	"net"
)

// gnetLogger routes gnet's own log lines into the server's slog logger, at
// debug level for gnet's chatter and at their level for warnings and errors.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error("gnet: fatal: " + fmt.Sprintf(f, a...)) }

// remoteAddr is a connection's peer address for logs. gnet clears it once
// the connection is closed (a failed write closes it), so it may be nil.
func remoteAddr(gc interface{ RemoteAddr() net.Addr }) string {
	if a := gc.RemoteAddr(); a != nil {
		return a.String()
	}
	return "closed"
}
