package runtime

// Codecs: how generated message types become frames and back.
//
// The wire layouts are those of dsl/model's MessageKind and FieldKind:
//   - string: one frame of UTF-8 text;
//   - bytes: one frame, as is;
//   - json: one frame holding a JSON object (encoding/json);
//   - multipart: one frame per field, in order; an int or float field is
//     decimal text (strconv's FormatInt base 10, FormatFloat 'g' -1), a
//     bool is "true" or "false" (parsing also accepts Python's "True" and
//     "False", and the other forms of strconv.ParseBool), a string is UTF-8
//     text, bytes are the frame as is.
//
// Decoding errors name the message type and, for multipart, the frame and
// field, so that the warning RecvValue logs when it drops a message says
// what was wrong with it.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// recvValue implements RecvValue.
func recvValue[T any, PT interface {
	*T
	Unmarshaler
}](ctx context.Context, s *Socket) (T, error) {
	return RecvFunc(ctx, s, Decode[T, PT]) // typed.go
}

// requestValue implements RequestValue.
func requestValue[T any, PT interface {
	*T
	Unmarshaler
}](ctx context.Context, r *Requester, req Marshaler) (T, error) {
	var v T
	m, err := req.MarshalZMQ()
	if err != nil {
		return v, err
	}
	_, err = r.requestAccepting(ctx, m, func(reply Msg) error {
		// Decoded straight into v: the last reply accepted is the one
		// returned.
		var w T
		if err := PT(&w).UnmarshalZMQ(reply); err != nil {
			return err
		}
		v = w
		return nil
	})
	return v, err
}

// CheckFrames returns an error unless m has exactly want frames.
func CheckFrames(m Msg, want int) error {
	if len(m) != want {
		return fmt.Errorf("multipart message has %d frames, want %d", len(m), want)
	}
	return nil
}

// StringMsg returns the one-frame message holding s.
func StringMsg(s string) Msg { return Msg{[]byte(s)} }

// DecodeString returns the text of a one-frame message of UTF-8 text.
func DecodeString(m Msg) (string, error) {
	if len(m) != 1 {
		return "", fmt.Errorf("string message has %d frames, want 1", len(m))
	}
	return ParseStringFrame(m[0])
}

// BytesMsg returns the one-frame message holding b (not copied).
func BytesMsg(b []byte) Msg { return Msg{b} }

// DecodeBytes returns the frame of a one-frame message (not copied).
func DecodeBytes(m Msg) ([]byte, error) {
	if len(m) != 1 {
		return nil, fmt.Errorf("bytes message has %d frames, want 1", len(m))
	}
	return m[0], nil
}

// EncodeJSON returns the one-frame message holding v encoded as JSON.
func EncodeJSON(v any) (Msg, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T as JSON: %w", v, err)
	}
	return Msg{b}, nil
}

// DecodeJSON decodes a one-frame message holding a JSON object into v, a
// pointer. Keys v has no field for are ignored, as encoding/json does; a
// frame that is not a JSON object (null, an array, a number, text that is
// not JSON) is an error naming v's type and, where encoding/json gives it,
// the offset in the frame.
func DecodeJSON(m Msg, v any) error {
	if len(m) != 1 {
		return fmt.Errorf("JSON message has %d frames, want 1", len(m))
	}
	f := m[0]
	i := 0
	for i < len(f) && (f[i] == ' ' || f[i] == '\t' || f[i] == '\n' || f[i] == '\r') {
		i++
	}
	if i == len(f) || f[i] != '{' {
		return fmt.Errorf("decoding JSON into %T: frame %s is not a JSON object", v, quoteFrame(f))
	}
	if err := json.Unmarshal(f, v); err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			return fmt.Errorf("decoding JSON into %T: %v at offset %d of %s", v, se, se.Offset, quoteFrame(f))
		}
		return fmt.Errorf("decoding JSON into %T: %w", v, err)
	}
	return nil
}

// quoteFrame quotes f for an error message, cut to its first 64 bytes.
func quoteFrame(f []byte) string {
	if len(f) > 64 {
		return strconv.Quote(string(f[:64])) + fmt.Sprintf("... (%d bytes)", len(f))
	}
	return strconv.Quote(string(f))
}

// Frames of multipart fields.

// IntFrame encodes an int field as decimal text.
func IntFrame(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

// FloatFrame encodes a float field as the shortest decimal text that reads
// back as v.
func FloatFrame(v float64) []byte { return strconv.AppendFloat(nil, v, 'g', -1, 64) }

// BoolFrame encodes a bool field as "true" or "false".
func BoolFrame(v bool) []byte { return strconv.AppendBool(nil, v) }

// StringFrame encodes a string field.
func StringFrame(v string) []byte { return []byte(v) }

// ParseIntFrame decodes an int field.
func ParseIntFrame(f []byte) (int64, error) {
	v, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an int", quoteFrame(f))
	}
	return v, nil
}

// ParseFloatFrame decodes a float field.
func ParseFloatFrame(f []byte) (float64, error) {
	v, err := strconv.ParseFloat(string(f), 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a float", quoteFrame(f))
	}
	return v, nil
}

// ParseBoolFrame decodes a bool field.
func ParseBoolFrame(f []byte) (bool, error) {
	v, err := strconv.ParseBool(string(f))
	if err != nil {
		return false, fmt.Errorf("%s is not a bool", quoteFrame(f))
	}
	return v, nil
}

// ParseStringFrame decodes a string field, which must be UTF-8.
func ParseStringFrame(f []byte) (string, error) {
	if !utf8.Valid(f) {
		return "", fmt.Errorf("%s is not UTF-8 text", quoteFrame(f))
	}
	return string(f), nil
}

// FrameReader decodes a multipart message field by field. The first error
// sticks: later reads return zero values, and Err reports it with the
// message type, frame number (from 0) and field name. A generated
// UnmarshalZMQ reads:
//
//	r := runtime.NewFrameReader(msg, "Envelope", 3)
//	m.Identity = r.Bytes("identity")
//	m.Delimiter = r.Bytes("delimiter")
//	m.Body = r.String("body")
//	return r.Err()
type FrameReader struct {
	m    Msg
	name string
	i    int
	err  error
}

// NewFrameReader returns a reader of m, a message of type name that must
// have n frames.
func NewFrameReader(m Msg, name string, n int) *FrameReader {
	r := &FrameReader{m: m, name: name}
	if err := CheckFrames(m, n); err != nil {
		r.err = fmt.Errorf("%s: %w", name, err)
	}
	return r
}

// Err returns the first decoding error, or nil.
func (r *FrameReader) Err() error { return r.err }

// next returns the next frame, or nil once an error stuck.
func (r *FrameReader) next() ([]byte, bool) {
	if r.err != nil || r.i >= len(r.m) {
		if r.err == nil {
			r.err = fmt.Errorf("%s: no frame %d", r.name, r.i)
		}
		return nil, false
	}
	f := r.m[r.i]
	r.i++
	return f, true
}

func (r *FrameReader) fail(field string, err error) {
	r.err = fmt.Errorf("%s: frame %d (%s): %w", r.name, r.i-1, field, err)
}

// Bytes returns the next frame as is (not copied).
func (r *FrameReader) Bytes(field string) []byte {
	f, _ := r.next()
	return f
}

// String returns the next frame as UTF-8 text.
func (r *FrameReader) String(field string) string {
	f, ok := r.next()
	if !ok {
		return ""
	}
	v, err := ParseStringFrame(f)
	if err != nil {
		r.fail(field, err)
	}
	return v
}

// Int returns the next frame as an int field.
func (r *FrameReader) Int(field string) int64 {
	f, ok := r.next()
	if !ok {
		return 0
	}
	v, err := ParseIntFrame(f)
	if err != nil {
		r.fail(field, err)
	}
	return v
}

// Float returns the next frame as a float field.
func (r *FrameReader) Float(field string) float64 {
	f, ok := r.next()
	if !ok {
		return 0
	}
	v, err := ParseFloatFrame(f)
	if err != nil {
		r.fail(field, err)
	}
	return v
}

// Bool returns the next frame as a bool field.
func (r *FrameReader) Bool(field string) bool {
	f, ok := r.next()
	if !ok {
		return false
	}
	v, err := ParseBoolFrame(f)
	if err != nil {
		r.fail(field, err)
	}
	return v
}
