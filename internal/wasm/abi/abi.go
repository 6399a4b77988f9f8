// Package abi reads a WebAssembly module's export section and checks that the module exports
// what Envoy needs to run it as a proxy-wasm HTTP filter. A module built with an SDK meant for
// another compiler compiles fine and exports nothing, so every build and push checks this.
package abi

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Required are the functions a proxy-wasm HTTP plugin built with Go's wasip1 port must export:
// the reactor entry point Go's c-shared build mode adds, the memory hook the host allocates
// through, and the lifecycle and HTTP callbacks. One proxy_abi_version_* export is needed too.
var required = []string{
	"_initialize",
	"proxy_on_memory_allocate",
	"proxy_on_vm_start",
	"proxy_on_configure",
	"proxy_on_context_create",
	"proxy_on_request_headers",
	"proxy_on_request_body",
	"proxy_on_response_headers",
	"proxy_on_response_body",
	"proxy_on_log",
	"proxy_on_done",
	"proxy_on_delete",
}

// abiVersionPrefix starts the export whose name tells the host which proxy-wasm ABI the module speaks.
const abiVersionPrefix = "proxy_abi_version_"

// Wasm section and export kind numbers, from the WebAssembly binary format.
const (
	sectionExport = 7
	kindFunc      = 0
)

var magic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Export is one entry of the module's export section.
type Export struct {
	Name string
	// Func is true for an exported function (not a table, memory or global).
	Func bool
}

// Exports parses the module's export section.
func Exports(module []byte) ([]Export, error) {
	if !bytes.HasPrefix(module, magic) {
		return nil, errors.New("not a WebAssembly module (version 1)")
	}
	r := &reader{b: module[len(magic):]}
	for r.len() > 0 {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(int(size))
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		if id == sectionExport {
			return parseExports(&reader{b: body})
		}
	}
	return nil, nil
}

func parseExports(r *reader) ([]Export, error) {
	n, err := r.u32()
	if err != nil {
		return nil, fmt.Errorf("export section: %w", err)
	}
	if uint64(n) > uint64(r.len()) {
		return nil, errors.New("export section: count exceeds its size")
	}
	out := make([]Export, 0, n)
	for range n {
		l, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("export section: %w", err)
		}
		name, err := r.bytes(int(l))
		if err != nil {
			return nil, fmt.Errorf("export section: %w", err)
		}
		kind, err := r.byte()
		if err != nil {
			return nil, fmt.Errorf("export section: %w", err)
		}
		if _, err := r.u32(); err != nil {
			return nil, fmt.Errorf("export section: %w", err)
		}
		out = append(out, Export{Name: string(name), Func: kind == kindFunc})
	}
	return out, nil
}

// Check returns nil when the module exports every function a proxy-wasm host calls, and
// otherwise an error naming the missing ones.
func Check(module []byte) error {
	exports, err := Exports(module)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	abiVersion := false
	for _, e := range exports {
		if !e.Func {
			continue
		}
		have[e.Name] = true
		if strings.HasPrefix(e.Name, abiVersionPrefix) {
			abiVersion = true
		}
	}
	var missing []string
	for _, fn := range required {
		if !have[fn] {
			missing = append(missing, fn)
		}
	}
	if !abiVersion {
		missing = append(missing, abiVersionPrefix+"*")
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("the module does not export %s: a proxy-wasm host could not run it (an SDK built for TinyGo exports nothing under Go's wasip1)", strings.Join(missing, ", "))
}

// reader walks a byte slice, reading the binary format's LEB128 integers.
type reader struct{ b []byte }

var errTruncated = errors.New("truncated module")

func (r *reader) len() int { return len(r.b) }

func (r *reader) byte() (byte, error) {
	if len(r.b) == 0 {
		return 0, errTruncated
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.b) {
		return nil, errTruncated
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

// u32 reads an unsigned LEB128 integer of at most 32 bits (5 bytes).
func (r *reader) u32() (uint32, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == 4 && c > 0x0f {
			return 0, errors.New("malformed integer")
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("malformed integer")
}
