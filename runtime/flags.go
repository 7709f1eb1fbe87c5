package runtime

// Flags and environment variables of generated node programs.
//
// A generated program declares its flags as a table of Flag values (the
// Flags of its Program); the runtime adds its own flags, the same for
// every node (ownFlags), and parses the command line, then the
// environment, into what the table points at.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// A Flag is one command-line flag of a node program, and the environment
// variable that sets it when the command line does not.
type Flag struct {
	// Name is the flag's name without the dash: "rep.bind", "drink".
	Name string
	// Env is the environment variable that sets the flag when the command
	// line does not: "SERVER1_REP_BIND".
	Env string
	// Value holds the flag's default, then what the command line or the
	// environment says. It is a *string, *int, *float64, *bool or
	// *time.Duration (parsed as the flag package parses them), or any
	// flag.Value, such as those EndpointsFlag and the others below return.
	Value any
	// Usage is the flag's help, as -h prints it after the flag; a name in
	// back quotes names the flag's value, as in the flag package. -h adds
	// the environment variable.
	Usage string
}

// define adds f to fs, with f.Value's current contents as its default.
func (f *Flag) define(fs *flag.FlagSet) {
	usage := f.Usage
	if f.Env != "" {
		usage += " ($" + f.Env + ")"
	}
	switch v := f.Value.(type) {
	case *string:
		fs.StringVar(v, f.Name, *v, usage)
	case *int:
		fs.IntVar(v, f.Name, *v, usage)
	case *float64:
		fs.Float64Var(v, f.Name, *v, usage)
	case *bool:
		fs.BoolVar(v, f.Name, *v, usage)
	case *time.Duration:
		fs.DurationVar(v, f.Name, *v, usage)
	case flag.Value:
		fs.Var(v, f.Name, usage)
	default:
		panic(fmt.Sprintf("zmq: flag -%s: a Value of type %T", f.Name, f.Value))
	}
}

// parseFlags reads args into flags, then, for each flag that args did not
// set, its environment variable through lookupEnv; then check says whether
// the values go together. It writes errors and -h help to out, the help
// starting with usage; a usage error, flag.ErrHelp included, is returned
// after it is written.
func parseFlags(name, usage string, flags []Flag, args []string, lookupEnv func(string) (string, bool), check func() error, out io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package's own messages are replaced by usageError's one
	// line; only -h prints the help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for i := range flags {
		flags[i].define(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fmt.Fprint(out, usage)
			fs.PrintDefaults()
			return err
		}
		return usageError(fs, out, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(fs, out, "unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, f := range flags {
		if f.Env == "" || set[f.Name] {
			continue
		}
		if v, ok := lookupEnv(f.Env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				return usageError(fs, out, "invalid value %q for $%s: %v", v, f.Env, err)
			}
		}
	}
	if err := check(); err != nil {
		return usageError(fs, out, "%v", err)
	}
	return nil
}

// usageError reports a usage error on one line, naming the program and
// where its help is: the whole help would bury the one line that matters
// (under zmqgen up, among every node's output).
func usageError(fs *flag.FlagSet, out io.Writer, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(out, "%s: %v (-h lists the flags)\n", fs.Name(), err)
	return err
}

// EndpointsFlag returns the flag.Value of a list of endpoints, which a
// flag sets as a comma-separated list (spaces around each are trimmed).
func EndpointsFlag(p *[]string) flag.Value { return (*endpointsValue)(p) }

type endpointsValue []string

func (e *endpointsValue) String() string { return strings.Join(*e, ",") }

func (e *endpointsValue) Set(s string) error {
	*e = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*e = append(*e, p)
		}
	}
	return nil
}

// PrefixesFlag returns the flag.Value of a SUB socket's prefix filters,
// comma-separated. Its first Set replaces the list, which holds the
// defaults, and each later one adds to it. Each part is a prefix as it
// stands, spaces included; an empty one lets everything through.
func PrefixesFlag(p *[]string) flag.Value { return &prefixesValue{list: p} }

type prefixesValue struct {
	list *[]string
	set  bool
}

func (p *prefixesValue) String() string {
	if p.list == nil {
		return "" // the flag package's zero value, for -h
	}
	return strings.Join(*p.list, ",")
}

func (p *prefixesValue) Set(s string) error {
	if !p.set {
		*p.list = nil
		p.set = true
	}
	*p.list = append(*p.list, strings.Split(s, ",")...)
	return nil
}

// DurationFlag returns the flag.Value of a positive time.Duration, such as
// a policy's interval.
func DurationFlag(p *time.Duration) flag.Value { return (*durationValue)(p) }

type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return errors.New("must be positive")
	}
	*d = durationValue(v)
	return nil
}

// CountFlag returns the flag.Value of a whole number that is at least 1,
// such as a policy's number of tries.
func CountFlag(p *int) flag.Value { return (*countValue)(p) }

type countValue int

func (n *countValue) String() string { return strconv.Itoa(int(*n)) }

func (n *countValue) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	if v < 1 {
		return errors.New("must be at least 1")
	}
	*n = countValue(v)
	return nil
}

// IdentityFlag returns the flag.Value of a routing identity, as ZMTP
// allows one: at most 255 bytes, not starting with a zero byte. An empty
// one is none: a ROUTER peer makes one up.
func IdentityFlag(p *string) flag.Value { return (*identityValue)(p) }

type identityValue string

func (id *identityValue) String() string { return string(*id) }

func (id *identityValue) Set(s string) error {
	switch {
	case len(s) > 255:
		return fmt.Errorf("must be at most 255 bytes, not %d", len(s))
	case s != "" && s[0] == 0:
		// ZMTP keeps these for the identities a ROUTER makes up.
		return errors.New("must not start with a zero byte")
	}
	*id = identityValue(s)
	return nil
}
