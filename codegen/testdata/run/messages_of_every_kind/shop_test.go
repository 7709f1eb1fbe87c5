package shop

// This test runs in the module TestGolden builds from the golden case
// messages_of_every_kind: it checks that the generated codecs round-trip
// and reject what does not decode.

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/runtime"
)

func TestJSONRoundTrip(t *testing.T) {
	in := Basket{
		ID: 7, Total: 12.5, Paid: true, Receipt: []byte{0, 1}, Tags: []string{"a"},
		Matrix: [][]int64{{1, 2}, {3}},
		Owner:  BasketOwner{Name: "Ann", Vip: true, Card: BasketOwnerCard{Number: "42"}},
		Items:  []BasketItems{{Sku: "tea", Count: 2}},
		ShipTo: Address{Street: "Main", Zip: 10001},
	}
	m, err := in.MarshalZMQ()
	if err != nil || len(m) != 1 {
		t.Fatalf("MarshalZMQ: %v, %d frames", err, len(m))
	}
	var keys map[string]any
	if err := json.Unmarshal(m[0], &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "total", "paid", "receipt", "tags", "matrix", "owner", "items", "ship_to"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("JSON lacks key %q: %s", k, m[0])
		}
	}
	var out Basket
	if err := out.UnmarshalZMQ(m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: got %+v, want %+v", out, in)
	}
	if err := out.UnmarshalZMQ(runtime.Msg{[]byte(`[1]`)}); err == nil {
		t.Error("a JSON array decoded as a Basket")
	}
}

func TestMultipartRoundTrip(t *testing.T) {
	in := Routed{Identity: []byte{0, 'k'}, Empty: []byte{}, Body: "Hello", Seq: -3, Weight: 0.25, Urgent: true}
	m, err := in.MarshalZMQ()
	if err != nil {
		t.Fatal(err)
	}
	want := runtime.Msg{{0, 'k'}, {}, []byte("Hello"), []byte("-3"), []byte("0.25"), []byte("true")}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("frames: got %q, want %q", m, want)
	}
	var out Routed
	if err := out.UnmarshalZMQ(m); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: got %+v, %v", out, err)
	}
	m[3] = []byte("three")
	if err := out.UnmarshalZMQ(m); err == nil || !strings.Contains(err.Error(), "frame 3 (seq)") {
		t.Errorf("a bad int frame: %v", err)
	}
	if err := out.UnmarshalZMQ(m[:5]); err == nil || !strings.Contains(err.Error(), "shop.Routed") {
		t.Errorf("5 frames of 6: %v", err)
	}
}

func TestStringAndBytes(t *testing.T) {
	m, _ := Order("coffee").MarshalZMQ()
	var o Order
	if err := o.UnmarshalZMQ(m); err != nil || o != "coffee" {
		t.Errorf("Order round trip: %q, %v", o, err)
	}
	if err := o.UnmarshalZMQ(runtime.Msg{{0xff}}); err == nil || !strings.Contains(err.Error(), "shop.Order") {
		t.Errorf("an Order that is not UTF-8: %v", err)
	}
	if err := o.UnmarshalZMQ(runtime.Msg{{'a'}, {'b'}}); err == nil {
		t.Error("two frames decoded as an Order")
	}
	m, _ = Photo{0xff, 0}.MarshalZMQ()
	var p Photo
	if err := p.UnmarshalZMQ(m); err != nil || string(p) != "\xff\x00" {
		t.Errorf("Photo round trip: %q, %v", p, err)
	}
}
