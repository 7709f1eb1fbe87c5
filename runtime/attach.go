package runtime

import "log/slog"

// Attach binds s to each of binds, logs each address it is then bound to
// ("listening", with the real port, which zmqgen up waits for), and
// connects it to each of connects. Generated programs open every socket
// with it.
func Attach(s *Socket, binds, connects []string, log *slog.Logger) error {
	for _, e := range binds {
		if err := s.Bind(e); err != nil {
			return err
		}
	}
	if len(binds) > 0 {
		for _, a := range s.Addrs() {
			log.Info("listening", "socket", s.Name(), "addr", a)
		}
	}
	for _, e := range connects {
		if err := s.Connect(e); err != nil {
			return err
		}
	}
	return nil
}
