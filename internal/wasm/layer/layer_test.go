package layer

import (
	"bytes"
	"strings"
	"testing"
)

func TestPackIsReproducibleAndUnpacks(t *testing.T) {
	module := bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00"), 1000)
	a, err := Pack(module)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Pack(module)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("packing the same module twice gave different bytes")
	}
	got, err := Unpack(bytes.NewReader(a))
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Unpack(Pack(m)) = %d bytes, %v", len(got), err)
	}
	if _, err := Pack(make([]byte, MaxSize+1)); err == nil || !strings.Contains(err.Error(), "over the") {
		t.Fatalf("Pack of an oversized module = %v", err)
	}
}
