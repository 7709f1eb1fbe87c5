package runtime

import "log/slog"

// Attach binds s to each of binds, logs each address it is then bound to
// ("listening", with the real port) and tells a supervisor that asked
// (see ReadyFDEnv), and connects it to each of connects. Generated programs open every socket
// with it.
func Attach(s *Socket, binds, connects []string, log *slog.Logger) error {
	for _, e := range binds {
		if err := s.Bind(e); err != nil {
			return err
		}
	}
	if len(binds) > 0 {
		addrs := s.Addrs()
		for _, a := range addrs {
			log.Info("listening", "socket", s.Name(), "addr", a)
		}
		notifyReady(ReadyRecord{Event: "listening", Socket: s.Name(), Addrs: addrs})
	}
	for _, e := range connects {
		if err := s.Connect(e); err != nil {
			return err
		}
	}
	return nil
}
